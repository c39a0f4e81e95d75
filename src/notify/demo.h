// Demo notifications for `kechan demo`: a welcome announcement to every role and a sample urgent
// notice to operators, followed into the inbox at once. Synthetic text only.
#pragma once

#include "base/result.h"
#include "notify/service.h"

namespace kechan::notify {

// Appends the demo announcements and follows the log once (no sending). Returns how many inbox
// rows were created. Errors: the service's.
base::Result<int> LoadNotifyDemo(NotifyService& service);

}  // namespace kechan::notify
