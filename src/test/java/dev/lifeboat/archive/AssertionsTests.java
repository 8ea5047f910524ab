package dev.lifeboat.archive;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AssertionsTests {

  @TempDir Path dir;

  @Test
  void everyTargetsFilesComeFirstThenTheTargetsOwnAndOtherTargetsAreIgnored() throws Exception {
    Files.writeString(dir.resolve("b.sql"), "SELECT true");
    Files.writeString(dir.resolve("a.sql"), "SELECT true");
    Files.writeString(dir.resolve("README.md"), "not an assertion");
    Files.createDirectories(dir.resolve("app"));
    Files.writeString(dir.resolve("app/own.sql"), "SELECT true");
    Files.createDirectories(dir.resolve("billing"));
    Files.writeString(dir.resolve("billing/other.sql"), "SELECT true");

    assertThat(Assertions.find(dir, "app"))
        .extracting(Assertions.Assertion::name)
        .containsExactly("a.sql", "b.sql", "app/own.sql");
    assertThat(Assertions.find(dir, "billing"))
        .extracting(Assertions.Assertion::name)
        .containsExactly("a.sql", "b.sql", "billing/other.sql");
    // a safety-backup target "app.app_staging" runs app's
    assertThat(Assertions.find(dir, "app.app_staging"))
        .extracting(Assertions.Assertion::name)
        .containsExactly("a.sql", "b.sql", "app/own.sql");
  }

  @Test
  void aMissingDirectoryHoldsNoAssertions() throws Exception {
    assertThat(Assertions.find(dir.resolve("nope"), "app")).isEmpty();
  }

  @Test
  void theLeadingCommentLinesAreTheDescription() {
    assertThat(Assertions.description("-- Money adds up.\n--\n--   To the cent.\nSELECT true"))
        .isEqualTo("Money adds up. To the cent.");
    assertThat(Assertions.description("SELECT true -- not a header")).isEmpty();
    assertThat(Assertions.description("\n  -- indented\nSELECT 1 -- x\n-- later"))
        .isEqualTo("indented");
  }
}
