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

#endif /* SAMP11_PKCS11_SAMP11_VENDOR_H_ */
