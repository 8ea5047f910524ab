package dev.lifeboat.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.exceptionfactory.jagged.x25519.X25519KeyPairGenerator;
import dev.lifeboat.config.ConfigException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgeTests {

  static final KeyPair A = pair();
  static final KeyPair B = pair();
  static final String SECRET_A = A.getPrivate().toString();
  static final String SECRET_B = B.getPrivate().toString();

  static KeyPair pair() {
    try {
      return new X25519KeyPairGenerator().generateKeyPair();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  @TempDir Path dir;

  static String recipientOf(String secret) {
    return (secret.equals(SECRET_A) ? A : B).getPublic().toString();
  }

  @Test
  void generatedKeysLookLikeAgeKeygensOwn() {
    assertThat(SECRET_A).startsWith("AGE-SECRET-KEY-1");
    assertThat(recipientOf(SECRET_A)).startsWith("age1").hasSize(62);
  }

  @Test
  void whatIsEncryptedToARecipientDecryptsWithItsIdentityAlone() throws Exception {
    byte[] data = new byte[300_000];
    new Random(1).nextBytes(data);
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try (OutputStream out =
        Age.encrypting(sink, List.of(recipientOf(SECRET_A), recipientOf(SECRET_B)))) {
      out.write(data);
    }
    byte[] stored = sink.toByteArray();
    assertThat(new String(stored, 0, 21, StandardCharsets.US_ASCII)).isEqualTo(Age.HEADER_LINE);
    for (String secret : List.of(SECRET_A, SECRET_B)) {
      Identities one = Identities.load("k", List.of(secret), i -> "${KEY}");
      try (var in = Age.decrypting(new ByteArrayInputStream(stored), one)) {
        assertThat(in.readAllBytes()).isEqualTo(data);
      }
    }
  }

  @Test
  void aWrongIdentityIsKnownFromTheHeaderAndNamedOnlyByItsSource() throws Exception {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try (OutputStream out = Age.encrypting(sink, List.of(recipientOf(SECRET_A)))) {
      out.write("hello".getBytes(StandardCharsets.US_ASCII));
    }
    Path file = dir.resolve("key.txt");
    Files.writeString(file, "# created: now\n# public key: x\n" + SECRET_B + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    Identities wrong = Identities.load("k", List.of(file.toString()), i -> file.toString());
    assertThatThrownBy(() -> Age.decrypting(new ByteArrayInputStream(sink.toByteArray()), wrong))
        .isInstanceOf(Age.NoMatchingIdentity.class)
        .hasMessageNotContaining("AGE-SECRET-KEY");
    assertThat(wrong.describe()).containsExactly("k[0] (file " + file + ")");
    assertThat(wrong.toString()).doesNotContain("AGE-SECRET-KEY");
  }

  @Test
  void recipientsAreValidatedWithoutEchoingSecrets() {
    assertThat(Age.recipientProblem(recipientOf(SECRET_A))).isNull();
    assertThat(Age.recipientProblem("age1notakey")).contains("not an age X25519 public key");
    assertThat(Age.recipientProblem(SECRET_A)).contains("secret key").doesNotContain("AGE-");
    String flipped = recipientOf(SECRET_A);
    flipped =
        flipped.substring(0, 10) + (flipped.charAt(10) == 'q' ? 'p' : 'q') + flipped.substring(11);
    assertThat(Age.recipientProblem(flipped)).isNotNull();
  }

  @Test
  void aDamagedIdentityIsRefusedWithoutQuotingIt() {
    String damaged = SECRET_A.substring(0, SECRET_A.length() - 3) + "QQQ";
    assertThatThrownBy(() -> Identities.load("k", List.of(damaged), i -> "${K}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("k[0]")
        .hasMessageNotContaining(damaged);
  }
}
