package dev.lifeboat.crypto;

import dev.lifeboat.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ed25519 private key a backup host signs manifests with: a PEM file (PKCS#8, as {@code openssl
 * genpkey -algorithm ed25519} writes it) that only its owner may read, like an ssh key. The key
 * never leaves this class: {@link #toString()} and every message name the file only.
 */
public final class SigningKey {

  private static final Logger LOG = LoggerFactory.getLogger(SigningKey.class);

  private static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private static final Set<PosixFilePermission> OTHERS =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  private final Path file;
  private final PrivateKey key;
  private final PublicKey publicKey;
  private final boolean created;

  private SigningKey(Path file, PrivateKey key, PublicKey publicKey, boolean created) {
    this.file = file;
    this.key = key;
    this.publicKey = publicKey;
    this.created = created;
  }

  /**
   * Reads the key in {@code file}; a missing, unreadable, group- or world-accessible or malformed
   * file is a {@link ConfigException} naming {@code configKey} and the file, never its content.
   */
  public static SigningKey load(String configKey, Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(
          configKey,
          "the signing key file "
              + file
              + " does not exist; make one with: lifeboat signing-key --create (or openssl genpkey"
              + " -algorithm ed25519 -out "
              + file
              + ")");
    }
    if (POSIX) {
      Set<PosixFilePermission> permissions;
      try {
        permissions = Files.getPosixFilePermissions(file);
      } catch (IOException e) {
        throw unreadable(configKey, file, e);
      }
      if (permissions.stream().anyMatch(OTHERS::contains)) {
        throw new ConfigException(
            configKey,
            "the signing key file "
                + file
                + " may be read or changed by other users (mode "
                + PosixFilePermissions.toString(permissions)
                + "); whoever reads it can sign forged backups: chmod 600 "
                + file);
      }
    }
    String pem;
    try {
      pem = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException | RuntimeException e) {
      throw unreadable(configKey, file, e);
    }
    PrivateKey key;
    try {
      key =
          KeyFactory.getInstance("Ed25519")
              .generatePrivate(new PKCS8EncodedKeySpec(Pem.decode(pem, "PRIVATE KEY")));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      // the library's message is not shown: it might quote the key
      throw new ConfigException(
          configKey,
          "the signing key file "
              + file
              + " holds no Ed25519 private key in PEM (-----BEGIN PRIVATE KEY-----, as openssl"
              + " genpkey -algorithm ed25519 writes it)");
    }
    return new SigningKey(file, key, publicKeyOf(key), false);
  }

  private static ConfigException unreadable(String configKey, Path file, Exception e) {
    return new ConfigException(
        configKey,
        "cannot read the signing key file "
            + file
            + " ("
            + e.getClass().getSimpleName()
            + "); check that Lifeboat's user owns it");
  }

  /**
   * Makes a new key pair in {@code file} (created 0600, in a 0700 directory, never over an existing
   * file) and writes its public key beside it as {@code <file>.pub}. When another process made the
   * file first, that key is loaded instead.
   */
  public static SigningKey create(String configKey, Path file) {
    KeyPair pair;
    try {
      pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this Java has no Ed25519", e);
    }
    String pem = Pem.encode(pair.getPrivate().getEncoded(), "PRIVATE KEY");
    Path temp = null;
    try {
      Path dir = file.toAbsolutePath().getParent();
      if (POSIX) {
        Files.createDirectories(
            dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        temp =
            Files.createTempFile(
                dir,
                ".signing",
                ".partial",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } else {
        Files.createDirectories(dir);
        temp = Files.createTempFile(dir, ".signing", ".partial");
      }
      Files.writeString(temp, pem, StandardCharsets.US_ASCII);
      try {
        // a link fails when the name exists: two first backups at once keep one key
        Files.createLink(file, temp);
      } catch (FileAlreadyExistsException e) {
        return load(configKey, file);
      }
      Files.writeString(
          file.resolveSibling(file.getFileName() + ".pub"),
          TrustedKeys.text(pair.getPublic()) + "\n",
          StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new ConfigException(
          configKey,
          "cannot create the signing key file "
              + file
              + " ("
              + e.getClass().getSimpleName()
              + ": "
              + e.getMessage()
              + "); set "
              + configKey
              + " to a key file Lifeboat's user may read");
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException e) {
          // a stray .partial holds a key nobody uses
          LOG.debug("could not delete {}: {}", temp, e.getMessage());
        }
      }
    }
    return new SigningKey(file, pair.getPrivate(), pair.getPublic(), true);
  }

  /**
   * The public half of an Ed25519 private key. The JDK has no call for it, but its generator turns
   * 32 random bytes into a pair: given the private key's own 32 bytes, it makes the same pair.
   */
  static PublicKey publicKeyOf(PrivateKey key) {
    byte[] seed =
        ((EdECPrivateKey) key)
            .getBytes()
            .orElseThrow(() -> new IllegalArgumentException("the private key hides its bytes"));
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
      generator.initialize(
          NamedParameterSpec.ED25519,
          new SecureRandom() {
            @Override
            public void nextBytes(byte[] bytes) {
              System.arraycopy(seed, 0, bytes, 0, Math.min(seed.length, bytes.length));
            }
          });
      return generator.generateKeyPair().getPublic();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this Java has no Ed25519", e);
    }
  }

  /** The Ed25519 signature of {@code message}. */
  public byte[] sign(byte[] message) {
    try {
      Signature signature = Signature.getInstance("Ed25519");
      signature.initSign(key);
      signature.update(message);
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("signing failed: " + e.getMessage(), e);
    }
  }

  public PublicKey publicKey() {
    return publicKey;
  }

  /** The public key as one line, what {@code lifeboat.signing.trusted-keys} takes. */
  public String publicKeyText() {
    return TrustedKeys.text(publicKey);
  }

  /** A short name of the key for messages: {@code sha256:} and 16 hex digits. */
  public String fingerprint() {
    return TrustedKeys.fingerprint(publicKey);
  }

  public Path file() {
    return file;
  }

  /** Whether {@link #create} made this key just now (not another process before it). */
  public boolean created() {
    return created;
  }

  @Override
  public String toString() {
    return "SigningKey[" + file + ", " + fingerprint() + "]";
  }

  /** PEM armour: base64 of DER between BEGIN and END lines. */
  static final class Pem {
    private Pem() {}

    static byte[] decode(String pem, String type) {
      String begin = "-----BEGIN " + type + "-----";
      String end = "-----END " + type + "-----";
      int from = pem.indexOf(begin);
      int to = pem.indexOf(end);
      if (from < 0 || to < from) {
        throw new IllegalArgumentException("no " + begin);
      }
      return Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to).strip());
    }

    static String encode(byte[] der, String type) {
      return "-----BEGIN "
          + type
          + "-----\n"
          + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
          + "\n-----END "
          + type
          + "-----\n";
    }
  }
}
