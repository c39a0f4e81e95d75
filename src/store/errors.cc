#include "store/errors.h"

namespace kechan::store::internal {

base::Status UniqueViolation(std::string field, std::string_view detail) {
  std::string en = "A record with the same value already exists";
  std::string zh = "已存在相同的记录";
  if (!field.empty()) {
    en = "A record with the same " + field + " already exists";
    zh = "字段 " + field + " 的值已存在";
  }
  en += " (" + std::string(detail) + ")";
  return base::Status(base::Code::kAlreadyExists, "store.unique_violation", std::move(en),
                      std::move(zh), std::move(field));
}

base::Status ConstraintViolation(std::string field, std::string_view detail) {
  std::string en = "The data violates a database constraint";
  std::string zh = "数据不符合约束条件";
  if (!field.empty()) {
    en = "The value of " + field + " violates a database constraint";
    zh = "字段 " + field + " 的值不符合约束条件";
  }
  en += " (" + std::string(detail) + ")";
  return base::Status(base::Code::kInvalidArgument, "store.constraint_violation", std::move(en),
                      std::move(zh), std::move(field));
}

base::Status Busy(std::string_view detail) {
  return base::Status(
      base::Code::kUnavailable, "store.busy",
      "The database is busy or unreachable, try again (" + std::string(detail) + ")",
      "数据库繁忙或暂不可用，请稍后重试");
}

base::Status DriverError(std::string_view detail) {
  return base::Status(base::Code::kInternal, "store.driver_error",
                      "Database error: " + std::string(detail), "数据库内部错误");
}

base::Status TxAborted(const base::Status& first_error) {
  return base::Status(base::Code::kFailedPrecondition, "store.tx_aborted",
                      "An earlier statement of this transaction failed (" + first_error.ToString() +
                          "); the transaction can only be rolled back",
                      "本事务中先前的语句已失败，事务只能回滚");
}

base::Status TxFinished() {
  return base::Status(base::Code::kFailedPrecondition, "store.tx_finished",
                      "The transaction was already committed or rolled back", "事务已提交或已回滚");
}

}  // namespace kechan::store::internal
