package dev.lifeboat.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningKeyTests {

  /** A throwaway key made with {@code openssl genpkey -algorithm ed25519}. */
  static final String OPENSSL_KEY =
      """
      -----BEGIN PRIVATE KEY-----
      MC4CAQAwBQYDK2VwBCIEIKqK16yFYKzFyRU+jUI2M2NoZHBYuD0gS/jcNUXGTqOh
      -----END PRIVATE KEY-----
      """;

  /** Its public key as {@code openssl pkey -pubout} prints it (the line between BEGIN and END). */
  static final String OPENSSL_PUBLIC =
      "MCowBQYDK2VwAyEAg3XQmuH7Ck0wRkTjMO+s0iPBQp4BrK8Go5a8HmlSyGs=";

  static final byte[] MESSAGE = "a manifest".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;

  private Path keyFile(String content, String mode) throws Exception {
    Path file = dir.resolve("signing.key");
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    return file;
  }

  @Test
  void anOpensslKeyLoadsWithTheSamePublicKeyOpensslDerives() throws Exception {
    SigningKey key = SigningKey.load("lifeboat.signing.key", keyFile(OPENSSL_KEY, "rw-------"));

    assertThat(key.publicKeyText()).isEqualTo(OPENSSL_PUBLIC);
    TrustedKeys trusted = TrustedKeys.of(TrustedKeys.parse("keys", List.of(OPENSSL_PUBLIC)));
    assertThat(trusted.verify(MESSAGE, key.sign(MESSAGE))).isPresent();
    assertThat(trusted.verify("another".getBytes(StandardCharsets.UTF_8), key.sign(MESSAGE)))
        .isEmpty();
  }

  @Test
  void aMadeKeyIsPrivateToItsOwnerAndItsPublicKeyIsWrittenBeside() throws Exception {
    Path file = dir.resolve("keys").resolve("signing.key");
    SigningKey made = SigningKey.create("lifeboat.signing.key", file);

    assertThat(made.created()).isTrue();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
        .isEqualTo("rwx------");
    assertThat(Files.readString(dir.resolve("keys/signing.key.pub")).strip())
        .isEqualTo(made.publicKeyText());
    try (var files = Files.list(file.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("signing.key", "signing.key.pub");
    }
    SigningKey loaded = SigningKey.load("lifeboat.signing.key", file);
    assertThat(loaded.fingerprint()).isEqualTo(made.fingerprint());
    assertThat(loaded.created()).isFalse();
    // a second maker finds the file and keeps the first key
    SigningKey again = SigningKey.create("lifeboat.signing.key", file);
    assertThat(again.created()).isFalse();
    assertThat(again.fingerprint()).isEqualTo(made.fingerprint());
  }

  @Test
  void aKeyOthersMayReadIsRefusedNamingTheKeyTheFileAndTheFixButNeverTheKey() throws Exception {
    Path file = keyFile(OPENSSL_KEY, "rw-r--r--");

    assertThatThrownBy(() -> SigningKey.load("lifeboat.signing.key", file))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("lifeboat.signing.key: the signing key file " + file)
        .hasMessageContaining("rw-r--r--")
        .hasMessageContaining("chmod 600 " + file)
        .hasMessageNotContaining("MC4CAQAw");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw--w----"));
    assertThatThrownBy(() -> SigningKey.load("lifeboat.signing.key", file))
        .hasMessageContaining("chmod 600");
  }

  @Test
  void aFileThatHoldsNoPrivateKeyIsNamedWithoutItsContent() throws Exception {
    Path file =
        keyFile(
            "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n", "rw-------");

    assertThatThrownBy(() -> SigningKey.load("lifeboat.signing.key", file))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("holds no Ed25519 private key")
        .hasMessageNotContaining("bm90IGEga2V5");
    assertThatThrownBy(() -> SigningKey.load("lifeboat.signing.key", dir.resolve("missing.key")))
        .hasMessageContaining("does not exist")
        .hasMessageContaining("lifeboat signing-key --create");
  }

  @Test
  void trustedKeysAreOneLinePemBlocksOrFilesAndAnythingElseIsNamed() throws Exception {
    Path pem = dir.resolve("backup-host.pub");
    Files.writeString(
        pem, "-----BEGIN PUBLIC KEY-----\n" + OPENSSL_PUBLIC + "\n-----END PUBLIC KEY-----\n");

    List<TrustedKeys.Key> keys =
        TrustedKeys.parse(
            "lifeboat.signing.trusted-keys",
            List.of(OPENSSL_PUBLIC, pem.toString(), Files.readString(pem)));

    assertThat(keys)
        .extracting(TrustedKeys.Key::fingerprint)
        .containsOnly(keys.get(0).fingerprint());
    assertThat(keys.get(1).source())
        .isEqualTo("lifeboat.signing.trusted-keys[1] (file " + pem + ")");
    assertThat(keys.get(0).fingerprint()).matches("sha256:[0-9a-f]{16}");
    assertThatThrownBy(
            () ->
                TrustedKeys.parse(
                    "lifeboat.signing.trusted-keys", List.of(OPENSSL_PUBLIC, "age1notakey")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("lifeboat.signing.trusted-keys[1]: is not an Ed25519 public key");
    // a private key pasted where a public one belongs is refused, and not echoed
    assertThatThrownBy(
            () -> TrustedKeys.parse("lifeboat.signing.trusted-keys", List.of(OPENSSL_KEY)))
        .isInstanceOf(ConfigException.class)
        .hasMessageNotContaining("MC4CAQAw");
  }
}
