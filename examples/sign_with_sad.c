/* sign_with_sad: what a signing application does to sign with a samp11 key under a SAD.
 *
 *   sign_with_sad MODULE KEY_ID_HEX SAD DATA_FILE SIGNATURE_FILE [MECHANISM]
 *
 * It loads the module with dlopen (no link-time dependency), finds the private key by CKA_ID,
 * and signs DATA_FILE with the standard always-authenticate sequence:
 *   C_SignInit -> C_Login(CKU_CONTEXT_SPECIFIC, SAD) -> C_Sign (size query, then the signature).
 * SAD is the SAD text itself, or @FILE to read it from a file (SADs are long for argv on some
 * systems). MECHANISM: ecdsa-sha256 (default for EC keys), ecdsa-sha384, sha256-rsa-pkcs
 * (default for RSA keys), sha256-rsa-pss, eddsa (default for Ed25519 keys). ECDSA signatures are
 * written DER-encoded so that `openssl dgst -verify` reads them; the others as the token gives
 * them. Exit status: 0 signed; 1 usage or I/O error; 2 refused by the module (the CK_RV is
 * printed). Copy it; it is plain C99 on purpose. */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST_PTR p11;

static const char* rv_name(CK_RV rv) {
  switch (rv) {
    case CKR_ARGUMENTS_BAD:
      return "CKR_ARGUMENTS_BAD";
    case CKR_DEVICE_ERROR:
      return "CKR_DEVICE_ERROR";
    case CKR_DATA_INVALID:
      return "CKR_DATA_INVALID";
    case CKR_DATA_LEN_RANGE:
      return "CKR_DATA_LEN_RANGE";
    case CKR_FUNCTION_REJECTED:
      return "CKR_FUNCTION_REJECTED";
    case CKR_KEY_HANDLE_INVALID:
      return "CKR_KEY_HANDLE_INVALID";
    case CKR_MECHANISM_INVALID:
      return "CKR_MECHANISM_INVALID";
    case CKR_PIN_INCORRECT:
      return "CKR_PIN_INCORRECT";
    case CKR_PIN_EXPIRED:
      return "CKR_PIN_EXPIRED";
    case CKR_PIN_LEN_RANGE:
      return "CKR_PIN_LEN_RANGE";
    case CKR_USER_NOT_LOGGED_IN:
      return "CKR_USER_NOT_LOGGED_IN";
    case CKR_GENERAL_ERROR:
      return "CKR_GENERAL_ERROR";
    case CKR_OPERATION_NOT_INITIALIZED:
      return "CKR_OPERATION_NOT_INITIALIZED";
    case CKR_KEY_FUNCTION_NOT_PERMITTED:
      return "CKR_KEY_FUNCTION_NOT_PERMITTED";
    case CKR_FUNCTION_CANCELED:
      return "CKR_FUNCTION_CANCELED";
    case CKR_PIN_LOCKED:
      return "CKR_PIN_LOCKED";
    default:
      return "CKR_?";
  }
}

static int fail_rv(const char* what, CK_RV rv) {
  fprintf(stderr, "sign_with_sad: %s failed: %s (0x%lx)\n", what, rv_name(rv), (unsigned long)rv);
  return 2;
}

static unsigned char* read_file(const char* path, size_t* len) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  unsigned char* buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      unsigned char* bigger = realloc(buf, cap * 2);
      if (!bigger) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = bigger;
      cap *= 2;
    }
  }
  fclose(f);
  *len = n;
  return buf;
}

static int hex_decode(const char* hex, unsigned char* out, size_t max, size_t* len) {
  size_t n = strlen(hex);
  if (n % 2 || n / 2 > max) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    unsigned int v;
    if (sscanf(hex + 2 * i, "%2x", &v) != 1) return -1;
    out[i] = (unsigned char)v;
  }
  *len = n / 2;
  return 0;
}

/* DER INTEGER of an unsigned big-endian number; returns bytes written. */
static size_t der_integer(const unsigned char* num, size_t len, unsigned char* out) {
  while (len > 1 && num[0] == 0) num++, len--;
  size_t pad = (num[0] & 0x80) ? 1 : 0;
  out[0] = 0x02;
  out[1] = (unsigned char)(len + pad);
  if (pad) out[2] = 0;
  memcpy(out + 2 + pad, num, len);
  return 2 + pad + len;
}

/* PKCS#11 gives ECDSA as r||s; X.509 tools want SEQUENCE { INTEGER r, INTEGER s }. */
static size_t ecdsa_raw_to_der(const unsigned char* raw, size_t len, unsigned char* out) {
  unsigned char body[2 * 70];
  size_t n = der_integer(raw, len / 2, body);
  n += der_integer(raw + len / 2, len / 2, body + n);
  size_t header = 2;
  out[0] = 0x30;
  if (n < 128) {
    out[1] = (unsigned char)n;
  } else {
    out[1] = 0x81;
    out[2] = (unsigned char)n;
    header = 3;
  }
  memcpy(out + header, body, n);
  return header + n;
}

/* Loads the module, signs data with the key under the SAD, writes the signature. Returns the
 * exit code: 0, 1 for usage and I/O problems, 2 for a CK_RV that is not CKR_OK. Every path
 * finalizes the module and frees what it allocated. */
static int sign_document(const char* module, unsigned char* key_id, size_t key_id_len,
                         const char* key_id_hex, unsigned char* sad, size_t sad_len,
                         unsigned char* data, size_t data_len, const char* mech_name,
                         const char* sig_path) {
  void* lib = dlopen(module, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "sign_with_sad: %s\n", dlerror());
    return 1;
  }
  CK_C_GetFunctionList get_list = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
  if (!get_list || get_list(&p11) != CKR_OK) {
    fprintf(stderr, "sign_with_sad: %s is not a PKCS#11 module\n", module);
    return 1;
  }
  CK_C_INITIALIZE_ARGS init_args = {0};
  init_args.flags = CKF_OS_LOCKING_OK;
  CK_RV rv = p11->C_Initialize(&init_args);
  if (rv != CKR_OK) return fail_rv("C_Initialize", rv);

  int rc = 0;
  unsigned char* sig = NULL;
  CK_SLOT_ID slots[16];
  CK_ULONG slot_count = 16;
  rv = p11->C_GetSlotList(CK_TRUE, slots, &slot_count);
  if (rv != CKR_OK) {
    rc = fail_rv("C_GetSlotList", rv);
    goto done;
  }
  if (slot_count == 0) {
    fprintf(stderr, "sign_with_sad: no token\n");
    rc = 1;
    goto done;
  }
  const char* slot_env = getenv("SAMP11_SLOT");
  CK_SLOT_ID slot = slot_env ? (CK_SLOT_ID)strtoul(slot_env, NULL, 10) : slots[0];

  CK_SESSION_HANDLE session;
  rv = p11->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &session);
  if (rv != CKR_OK) {
    rc = fail_rv("C_OpenSession", rv);
    goto done;
  }

  CK_OBJECT_CLASS klass = CKO_PRIVATE_KEY;
  CK_ATTRIBUTE find[] = {{CKA_CLASS, &klass, sizeof klass}, {CKA_ID, key_id, key_id_len}};
  CK_OBJECT_HANDLE key;
  CK_ULONG found = 0;
  rv = p11->C_FindObjectsInit(session, find, 2);
  if (rv == CKR_OK) rv = p11->C_FindObjects(session, &key, 1, &found);
  if (rv == CKR_OK) rv = p11->C_FindObjectsFinal(session);
  if (rv != CKR_OK) {
    rc = fail_rv("C_FindObjects", rv);
    goto done;
  }
  if (found == 0) {
    fprintf(stderr, "sign_with_sad: no private key with id %s\n", key_id_hex);
    rc = 1;
    goto done;
  }
  CK_KEY_TYPE key_type;
  CK_ATTRIBUTE type_attr = {CKA_KEY_TYPE, &key_type, sizeof key_type};
  rv = p11->C_GetAttributeValue(session, key, &type_attr, 1);
  if (rv != CKR_OK) {
    rc = fail_rv("C_GetAttributeValue", rv);
    goto done;
  }

  CK_RSA_PKCS_PSS_PARAMS pss = {CKM_SHA256, CKG_MGF1_SHA256, 32};
  CK_MECHANISM mech = {CKM_ECDSA_SHA256, NULL, 0};
  if (key_type == CKK_RSA) mech.mechanism = CKM_SHA256_RSA_PKCS;
  if (key_type == CKK_EC_EDWARDS) mech.mechanism = CKM_EDDSA;
  if (mech_name) {
    if (!strcmp(mech_name, "ecdsa-sha256")) {
      mech.mechanism = CKM_ECDSA_SHA256;
    } else if (!strcmp(mech_name, "ecdsa-sha384")) {
      mech.mechanism = CKM_ECDSA_SHA384;
    } else if (!strcmp(mech_name, "sha256-rsa-pkcs")) {
      mech.mechanism = CKM_SHA256_RSA_PKCS;
    } else if (!strcmp(mech_name, "sha256-rsa-pss")) {
      mech.mechanism = CKM_SHA256_RSA_PKCS_PSS;
      mech.pParameter = &pss;
      mech.ulParameterLen = sizeof pss;
    } else if (!strcmp(mech_name, "eddsa")) {
      mech.mechanism = CKM_EDDSA;
    } else {
      fprintf(stderr, "sign_with_sad: unknown mechanism %s\n", mech_name);
      rc = 1;
      goto done;
    }
  }

  /* The always-authenticate sequence: init, then the SAD as the context-specific login. */
  rv = p11->C_SignInit(session, &mech, key);
  if (rv != CKR_OK) {
    rc = fail_rv("C_SignInit", rv);
    goto done;
  }
  rv = p11->C_Login(session, CKU_CONTEXT_SPECIFIC, sad, (CK_ULONG)sad_len);
  if (rv != CKR_OK) {
    rc = fail_rv("C_Login(CKU_CONTEXT_SPECIFIC)", rv);
    goto done;
  }
  CK_ULONG sig_len = 0;
  rv = p11->C_Sign(session, data, (CK_ULONG)data_len, NULL, &sig_len); /* size: spends nothing */
  if (rv != CKR_OK) {
    rc = fail_rv("C_Sign (length)", rv);
    goto done;
  }
  sig = malloc(sig_len);
  if (!sig) {
    perror("malloc");
    rc = 1;
    goto done;
  }
  rv = p11->C_Sign(session, data, (CK_ULONG)data_len, sig, &sig_len);
  if (rv != CKR_OK) {
    rc = fail_rv("C_Sign", rv);
    goto done;
  }

  unsigned char der[2 * 70 + 3];
  const unsigned char* out = sig;
  size_t out_len = sig_len;
  if (key_type == CKK_EC) {
    out_len = ecdsa_raw_to_der(sig, sig_len, der);
    out = der;
  }
  FILE* f = fopen(sig_path, "wb");
  if (!f || fwrite(out, 1, out_len, f) != out_len || fclose(f) != 0) {
    perror(sig_path);
    rc = 1;
  }

done:
  free(sig);
  p11->C_Finalize(NULL); /* closes the session too */
  return rc;
}

int main(int argc, char** argv) {
  if (argc < 6 || argc > 7) {
    fprintf(stderr,
            "usage: %s MODULE KEY_ID_HEX SAD|@SAD_FILE DATA_FILE SIGNATURE_FILE [MECHANISM]\n",
            argv[0]);
    return 1;
  }
  const char *module = argv[1], *key_id_hex = argv[2], *sad_arg = argv[3];
  const char *data_path = argv[4], *sig_path = argv[5];
  const char* mech_name = argc == 7 ? argv[6] : NULL;

  unsigned char key_id[256];
  size_t key_id_len;
  if (hex_decode(key_id_hex, key_id, sizeof key_id, &key_id_len) != 0 || key_id_len == 0) {
    fprintf(stderr, "sign_with_sad: KEY_ID_HEX is not hex\n");
    return 1;
  }
  unsigned char* sad;
  size_t sad_len;
  if (sad_arg[0] == '@') {
    sad = read_file(sad_arg + 1, &sad_len);
    if (!sad) {
      perror(sad_arg + 1);
      return 1;
    }
    while (sad_len > 0 && (sad[sad_len - 1] == '\n' || sad[sad_len - 1] == '\r')) sad_len--;
  } else {
    sad = (unsigned char*)strdup(sad_arg);
    sad_len = strlen(sad_arg);
  }
  size_t data_len;
  unsigned char* data = read_file(data_path, &data_len);
  if (!data) {
    perror(data_path);
    free(sad);
    return 1;
  }

  int rc = sign_document(module, key_id, key_id_len, key_id_hex, sad, sad_len, data, data_len,
                         mech_name, sig_path);
  free(data);
  free(sad);
  if (rc == 0) printf("signed %zu bytes with key %s: %s\n", data_len, key_id_hex, sig_path);
  return rc;
}
