// samp11's own data objects on the inner token (inner_token.h): found by application and label
// each time, since the module renumbers object handles when it reconnects and another process
// may have made the object meanwhile.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hsm/inner_objects.h"
#include "hsm/inner_token.h"
#include "hsm/inner_token_impl.h"

namespace samp11 {

using inner::Attr;
using inner::kCkTrue;
using inner::Lease;

namespace {

const CK_OBJECT_CLASS kDataClass = CKO_DATA;

Result<std::vector<CK_OBJECT_HANDLE>> FindData(Lease& lease, const std::string& application,
                                               const std::string& label) {
  SAMP11_RETURN_IF_ERROR(lease.CheckLoggedIn());  // a private object is invisible otherwise
  return inner::FindObjects(lease, {Attr(CKA_CLASS, &kDataClass, sizeof kDataClass),
                                    Attr(CKA_TOKEN, &kCkTrue, sizeof kCkTrue),
                                    Attr(CKA_APPLICATION, application.data(), application.size()),
                                    Attr(CKA_LABEL, label.data(), label.size())});
}

}  // namespace

Result<std::vector<Bytes>> InnerToken::ReadData(const std::string& application,
                                                const std::string& label) {
  using Values = std::vector<Bytes>;
  return impl_->pool.Run<Values>([&](Lease& lease) -> Result<Values> {
    SAMP11_ASSIGN_OR_RETURN(std::vector<CK_OBJECT_HANDLE> objects,
                            FindData(lease, application, label));
    Values values;
    for (CK_OBJECT_HANDLE object : objects) {
      SAMP11_ASSIGN_OR_RETURN(std::optional<Bytes> value,
                              inner::GetAttribute(lease, object, CKA_VALUE));
      if (!value) {
        return Status(Code::kDevice,
                      lease.Describe() + ": data object '" + label + "' has no readable CKA_VALUE");
      }
      values.push_back(std::move(*value));
    }
    return values;
  });
}

Status InnerToken::WriteData(const std::string& application, const std::string& label,
                             const Bytes& value) {
  return impl_->pool
      .Run<bool>([&](Lease& lease) -> Result<bool> {
        SAMP11_ASSIGN_OR_RETURN(std::vector<CK_OBJECT_HANDLE> previous,
                                FindData(lease, application, label));
        // Replaced in place where the token lets a data object's CKA_VALUE change: one write.
        if (!previous.empty() && !impl_->data_value_read_only.load()) {
          CK_ATTRIBUTE new_value = Attr(CKA_VALUE, value.data(), value.size());
          CK_RV rv = CKR_OK;
          for (CK_OBJECT_HANDLE object : previous) {
            rv = lease.fl()->C_SetAttributeValue(lease.session(), object, &new_value, 1);
            if (rv != CKR_OK) break;
          }
          if (rv == CKR_OK) return true;
          if (rv != CKR_ATTRIBUTE_READ_ONLY) return lease.Failure("C_SetAttributeValue", rv);
          impl_->data_value_read_only = true;  // SoftHSMv2: not tried again
        }
        // Else a new object, then the old ones destroyed: in between a reader sees both, of
        // which the caller tells the newer (the anchor's generation). A crash in between leaves
        // both; the next write removes them.
        std::vector<CK_ATTRIBUTE> attributes = {
            Attr(CKA_CLASS, &kDataClass, sizeof kDataClass),
            Attr(CKA_TOKEN, &kCkTrue, sizeof kCkTrue),
            Attr(CKA_PRIVATE, &kCkTrue, sizeof kCkTrue),
            Attr(CKA_APPLICATION, application.data(), application.size()),
            Attr(CKA_LABEL, label.data(), label.size()),
            Attr(CKA_VALUE, value.data(), value.size()),
        };
        CK_OBJECT_HANDLE created = CK_INVALID_HANDLE;
        CK_RV rv = lease.fl()->C_CreateObject(lease.session(), attributes.data(),
                                              static_cast<CK_ULONG>(attributes.size()), &created);
        if (rv != CKR_OK) return lease.Failure("C_CreateObject", rv);
        for (CK_OBJECT_HANDLE object : previous) {
          rv = lease.fl()->C_DestroyObject(lease.session(), object);
          // Another process may have replaced it first.
          if (rv != CKR_OK && rv != CKR_OBJECT_HANDLE_INVALID) {
            return lease.Failure("C_DestroyObject", rv);
          }
        }
        return true;
      })
      .status();
}

}  // namespace samp11
