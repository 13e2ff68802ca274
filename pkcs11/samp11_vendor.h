/* samp11's vendor-defined PKCS#11 values, for applications (plain C, no samp11 dependency).
 *
 * CKO_SAMP11_SAD: a session object that deposits a SAD (docs/sad.md, "the deposit path").
 *   C_CreateObject(session, {CKA_CLASS = CKO_SAMP11_SAD, CKA_VALUE = the SAD text}, ...)
 *   verifies the SAD at once (a forged, foreign or expired SAD is refused with
 *   CKR_ATTRIBUTE_VALUE_INVALID and a log line giving the reason) and keeps it for this
 *   application until C_DestroyObject or the end of the session. A later C_Sign with no SAD
 *   finds it by key and hash. CKA_TOKEN must be absent or CK_FALSE (`samp11 sad deposit` makes
 *   deposits every process sees); CKA_LABEL is accepted and ignored. */
#ifndef SAMP11_PKCS11_SAMP11_VENDOR_H_
#define SAMP11_PKCS11_SAMP11_VENDOR_H_

#define CKO_SAMP11_SAD (0x80000000UL | 0x53414400UL) /* CKO_VENDOR_DEFINED | "SAD\0" */

/* CKA_SAMP11_KEY_STATE: a CK_ULONG on private keys, whether the key may sign now. CKA_SIGN is
 * CK_TRUE only for CKV_SAMP11_KEY_USABLE; C_SignInit on any other answers
 * CKR_KEY_FUNCTION_NOT_PERMITTED (docs/keystore.md, "Key and signer lifecycle"). */
#define CKA_SAMP11_KEY_STATE (0x80000000UL | 0x53414B53UL) /* CKA_VENDOR_DEFINED | "SAKS" */
#define CKV_SAMP11_KEY_USABLE 0UL
#define CKV_SAMP11_KEY_DISABLED 1UL        /* samp11 key disable */
#define CKV_SAMP11_SIGNER_DISABLED 2UL     /* samp11 signer disable */
#define CKV_SAMP11_CERTIFICATE_EXPIRED 3UL /* its certificate's notAfter has passed */
#define CKV_SAMP11_CERTIFICATE_NOT_YET_VALID 4UL
#define CKV_SAMP11_NO_CERTIFICATE 5UL /* the token requires one (require_certificate) */

#endif /* SAMP11_PKCS11_SAMP11_VENDOR_H_ */
