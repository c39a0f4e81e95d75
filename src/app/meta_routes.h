// GET /api/v1/meta: what the web app needs to know about this installation (version, whether the
// data is the synthetic demo set, so the UI can label it).
#pragma once

#include <string>

#include "app/settings.h"
#include "http/router.h"

namespace kechan::app {

void RegisterMetaRoutes(http::Router& router, SettingsService& settings,
                        const std::string& version);

}  // namespace kechan::app
