package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's cache training goes through every step it plans: a step that failed would only
 * leave its classes out of the cache, silently, so this is where it shows.
 */
class AotTrainingTests {

  @TempDir Path dir;

  @Test
  void everyTrainingStepRunsAsPlannedWithoutAnyServer() throws Exception {
    assertThat(AotTraining.train(dir)).isEmpty();
    // the read-only listing went through the S3 store and cached its manifest
    try (var files = Files.walk(dir.resolve("home/cache"))) {
      assertThat(files.filter(f -> f.getFileName().toString().endsWith(".json"))).isNotEmpty();
    }
  }
}
