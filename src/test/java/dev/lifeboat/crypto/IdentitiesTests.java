package dev.lifeboat.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lifeboat.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Identity files others may read are refused, as ssh refuses an unprotected private key. */
class IdentitiesTests {

  @TempDir Path dir;

  private Path keyFile(String mode) throws Exception {
    Path file = dir.resolve("key-" + mode + ".txt");
    Files.writeString(file, "# public key: x\n" + AgeTests.SECRET_A + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    return file;
  }

  private static Identities load(Path file) {
    return Identities.load("lifeboat.encryption.identities", List.of(file.toString()), i -> null);
  }

  @Test
  void anIdentityFileOnlyItsOwnerReadsIsUsed() throws Exception {
    assertThat(load(keyFile("rw-------")).describe()).hasSize(1);
    assertThat(load(keyFile("r--------")).describe()).hasSize(1);
  }

  @Test
  void anIdentityFileOthersMayReadIsRefusedNamingTheFileTheModeAndTheFix() throws Exception {
    Path file = keyFile("rw-r--r--");
    Throwable refused = catchThrowable(() -> load(file));
    assertThat(refused)
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "lifeboat.encryption.identities[0]: the identity file "
                + file
                + " is open to other users (mode 0644); Lifeboat does not use a secret key others"
                + " may read or replace, as ssh refuses an unprotected private key: run chmod 600 "
                + file)
        .hasMessageNotContaining("AGE-SECRET-KEY");
    assertThat(((ConfigException) refused).exitCode()).isEqualTo(2);
    assertThat(refused.getMessage()).doesNotContain("\n");
  }

  @Test
  void groupOrWriteAccessToOnesOwnIdentityFileIsRefusedToo() throws Exception {
    for (String mode : List.of("rw-r-----", "rw--w----", "rw-----w-", "rw----r--")) {
      Path file = keyFile(mode);
      assertThatThrownBy(() -> load(file))
          .as(mode)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("is open to other users (mode 0")
          .hasMessageContaining("chmod 600 " + file);
    }
  }

  @Test
  void aFileAnotherUserSharesWithLifeboatsGroupIsUsedButNotOneTheWorldReads() throws Exception {
    UserPrincipal nobody =
        dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    Path shared = keyFile("rw-r-----");
    try {
      Files.setOwner(shared, nobody);
    } catch (java.io.IOException e) {
      // not root
    }
    // only root can give the file away (the tests run as root here and in CI)
    assumeTrue(Files.getOwner(shared).equals(nobody), "not root: cannot give a file away");
    assertThat(load(shared).describe()).hasSize(1);

    Path world = keyFile("rw-r--r--");
    Files.setOwner(world, nobody);
    assertThatThrownBy(() -> load(world))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("(mode 0644)")
        .hasMessageContaining("run chmod o= " + world + " as its owner");
  }

  @Test
  void aKeyReadFromASecretFileIsHeldToTheSameRuleAndOneFromTheEnvironmentIsNot() throws Exception {
    Path loose = keyFile("rw-r--r--");
    String configured = "${file:" + loose + "}";
    assertThatThrownBy(
            () ->
                Identities.load(
                    "lifeboat.targets.app.encryption.identities",
                    List.of(AgeTests.SECRET_A),
                    i -> configured))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "lifeboat.targets.app.encryption.identities[0]: the identity file " + loose)
        .hasMessageContaining("chmod 600 " + loose)
        .hasMessageNotContaining("AGE-SECRET-KEY");

    Path tight = keyFile("rw-------");
    assertThat(
            Identities.load("k", List.of(AgeTests.SECRET_A), i -> "${file:" + tight + "}")
                .describe())
        .containsExactly("k[0] (${file:" + tight + "})");
    assertThat(Identities.load("k", List.of(AgeTests.SECRET_A), i -> "${AGE_KEY}").describe())
        .containsExactly("k[0] (${AGE_KEY})");
  }
}
