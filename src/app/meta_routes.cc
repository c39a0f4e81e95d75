#include "app/meta_routes.h"

#include <boost/json.hpp>

#include "http/json_body.h"

namespace kechan::app {

void RegisterMetaRoutes(http::Router& router, SettingsService& settings,
                        const std::string& version) {
  router.Add(
      http::Method::kGet, "/api/v1/meta",
      {.summary = "Installation facts: version and whether the data is synthetic demo data",
       .summary_zh = "平台信息：版本、是否为合成演示数据",
       .tag = "system",
       .response_schema =
           R"({"type":"object","properties":{"version":{"type":"string"},)"
           R"("demo":{"type":"boolean"},"demo_scale":{"type":"integer"},)"
           R"("synthetic_notice_zh":{"type":"string"},"synthetic_notice_en":{"type":"string"}}})"},
      [&settings, version](http::Request&) -> base::Result<http::Response> {
        KECHAN_ASSIGN_OR_RETURN(auto scale, settings.Get("demo.scale"));
        boost::json::object o;
        o["version"] = version;
        o["demo"] = scale.has_value();
        if (scale) {
          o["demo_scale"] = std::stoll(*scale);
          o["synthetic_notice_zh"] =
              "本系统载有合成演示数据：除公开报道中的产业集群、产业链与园区名称外，"
              "所有企业、人员与数字均为虚构。";
          o["synthetic_notice_en"] =
              "This installation holds synthetic demo data: apart from the cluster, chain "
              "and park names of the public report, every firm, person and figure is "
              "fictitious.";
        }
        return http::Response::Json(http::ToJson(o));
      });
}

}  // namespace kechan::app
