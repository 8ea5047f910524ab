package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LauncherTests {

  @Test
  void configFilesAreFoundBeforeOrAfterTheCommand() {
    Launcher.Arguments a =
        Launcher.Arguments.parse(
            new String[] {"--config", "a.yml", "backup", "--config=b.yml", "--label", "x"});
    assertThat(a.configFiles()).containsExactly(Path.of("a.yml"), Path.of("b.yml"));
    assertThat(a.command()).isEqualTo("backup");
    assertThat(a.commandArgs())
        .containsExactly("--config", "a.yml", "backup", "--config=b.yml", "--label", "x");
  }

  @Test
  void dottedKeyValueArgumentsGoToSpringNotToTheCommand() {
    Launcher.Arguments a =
        Launcher.Arguments.parse(new String[] {"backups", "--lifeboat.home=/tmp/h", "--json"});
    assertThat(a.springProperties()).containsExactly("--lifeboat.home=/tmp/h");
    assertThat(a.commandArgs()).containsExactly("backups", "--json");
    assertThat(a.json()).isTrue();
  }

  @Test
  void anOptionValueIsNotTakenForTheCommandName() {
    Launcher.Arguments a =
        Launcher.Arguments.parse(new String[] {"--target", "app", "verify", "latest"});
    assertThat(a.command()).isEqualTo("verify");
  }

  @Test
  void secretKeysAreRecognisedWhateverTheirSpelling() {
    assertThat(Launcher.isSecretKey("lifeboat.targets.app.password")).isTrue();
    assertThat(Launcher.isSecretKey("lifeboat.stores.s3.secret-key")).isTrue();
    assertThat(Launcher.isSecretKey("lifeboat.stores.s3.secretKey")).isTrue();
    assertThat(Launcher.isSecretKey("lifeboat.stores.s3.access_key")).isTrue();
    assertThat(Launcher.isSecretKey("lifeboat.control.password")).isTrue();
    assertThat(Launcher.isSecretKey("lifeboat.home")).isFalse();
    assertThat(Launcher.isSecretKey("lifeboat.targets.app.username")).isFalse();
  }

  @Test
  void aDirectoryAnEmptyFileOrAMissingFileIsNoConfiguration(@TempDir Path dir) throws Exception {
    Path empty = Files.writeString(dir.resolve("empty.yml"), "\n# comment only\n---\n");
    Path good = Files.writeString(dir.resolve("good.yml"), "lifeboat:\n  home: /tmp/x\n");
    assertThat(Launcher.unusableConfigFile(dir)).get().asString().contains("is a directory");
    assertThat(Launcher.unusableConfigFile(empty)).get().asString().contains("is empty");
    assertThat(Launcher.unusableConfigFile(dir.resolve("nope.yml")))
        .get()
        .asString()
        .contains("not found");
    assertThat(Launcher.unusableConfigFile(good)).isEmpty();
  }
}
