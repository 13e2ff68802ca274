// Java signs through samp11 with SunPKCS11, the way Java signing servers (SignServer, EJBCA, the
// EU DSS library) reach an HSM. The SAD is the keystore password: KeyStore.load (C_Login as the
// user) verifies it, and its hashes activate the signer's key at C_Sign. Per document: logout,
// login with that document's SAD, fetch the key again (the key object of the old login is gone).
//
//   javac -d . SignWithSad.java
//   java -cp . SignWithSad samp11.cfg ALIAS SAD_FILE DOCUMENT SIGNATURE [SAD_FILE DOCUMENT SIGNATURE]...
//
// samp11.cfg is SunPKCS11's configuration:
//   name = samp11
//   library = /usr/lib/x86_64-linux-gnu/pkcs11/libsamp11.so
//   slotListIndex = 0
// ALIAS is the key's label (a key is a KeyStore entry once its certificate is in the token).
// Signatures are DER (SHA256withECDSA, SHA256withRSA): openssl dgst -sha256 -verify checks them.
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AuthProvider;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import javax.security.auth.callback.PasswordCallback;

public final class SignWithSad {
  public static void main(String[] args) throws Exception {
    if (args.length < 5 || (args.length - 2) % 3 != 0) {
      System.err.println("usage: SignWithSad CONFIG ALIAS SAD_FILE DOCUMENT SIGNATURE [...]");
      System.exit(2);
    }
    Provider p11 = Security.getProvider("SunPKCS11").configure(args[0]);
    AuthProvider auth = (AuthProvider) p11;
    KeyStore keyStore = KeyStore.getInstance("PKCS11", p11);
    for (int i = 2; i < args.length; i += 3) {
      char[] sad = Files.readString(Path.of(args[i]), StandardCharsets.US_ASCII).strip().toCharArray();
      if (i == 2) {
        keyStore.load(null, sad); // C_Login(CKU_USER, SAD)
      } else {
        auth.logout(); // C_Logout: the previous SAD's activation ends
        auth.login(null, callbacks -> ((PasswordCallback) callbacks[0]).setPassword(sad));
      }
      PrivateKey key = (PrivateKey) keyStore.getKey(args[1], null);
      if (key == null) throw new IllegalArgumentException("no key with alias " + args[1]);
      Signature signature = Signature.getInstance(
          key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA", p11);
      signature.initSign(key);
      signature.update(Files.readAllBytes(Path.of(args[i + 1])));
      Files.write(Path.of(args[i + 2]), signature.sign());
      System.out.println("signed " + args[i + 1] + " into " + args[i + 2]);
    }
  }
}
