#include "notify/demo.h"

namespace kechan::notify {

base::Result<int> LoadNotifyDemo(NotifyService& service) {
  NotifyBlock welcome;
  welcome.roles = auth::AllRoles();
  welcome.title = {.zh = "欢迎使用科产融合平台（演示数据）",
                   .en = "Welcome to the platform (demo data)"};
  welcome.body = {
      .zh = "这里会收到诉求分派、超时预警和政策匹配等消息。所有数据均为合成的演示数据。",
      .en =
          "Appeal assignments, deadline warnings and policy matches arrive here. "
          "All data is synthetic."};
  welcome.link = "/";
  KECHAN_RETURN_IF_ERROR(service.AnnounceAsSystem(welcome, "demo").status());
  NotifyBlock urgent;
  urgent.roles = {auth::Role::kOperator, auth::Role::kDutyDirector};
  urgent.title = {.zh = "演示：一件企业诉求即将超时", .en = "Demo: an appeal is nearly overdue"};
  urgent.body = {.zh = "诉求“园区道路照明”距承诺时限不足 4 个工作小时，请督办。",
                 .en = "The appeal \"Park street lighting\" is due in under 4 working hours."};
  urgent.link = "/inbox";
  urgent.urgency = Urgency::kHigh;
  KECHAN_RETURN_IF_ERROR(service.AnnounceAsSystem(urgent, "demo").status());
  TickReport report;
  KECHAN_RETURN_IF_ERROR(service.Ingest(&report));
  return report.inbox_rows;
}

}  // namespace kechan::notify
