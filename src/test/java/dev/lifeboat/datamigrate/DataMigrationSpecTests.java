package dev.lifeboat.datamigrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataMigrationSpecTests {

  @TempDir Path dir;

  private DataMigrationSpec load(String yaml) throws Exception {
    Files.writeString(dir.resolve("m.yml"), yaml);
    return DataMigrationSpec.load(dir, "m");
  }

  @Test
  void aFullSpecIsReadWithItsDefaults() throws Exception {
    DataMigrationSpec s =
        load(
            "target: app\ntable: public.events\nkey: id\npause-between-chunks: 20ms\nsql: |\n"
                + "  UPDATE public.events SET score = score + 1 WHERE id >= :from AND id < :to\n");
    assertThat(s.target()).isEqualTo("app");
    assertThat(s.chunkSize()).isEqualTo(10_000);
    assertThat(s.parallelism()).isEqualTo(1);
    assertThat(s.pauseBetweenChunks()).isEqualTo(Duration.ofMillis(20));
    assertThat(s.chunkSql(5, 15))
        .isEqualTo("UPDATE public.events SET score = score + 1 WHERE id >= 5 AND id < 15");
  }

  @Test
  void castsAndLongerNamesAreNotTakenForTheBounds() throws Exception {
    DataMigrationSpec s =
        load(
            "table: t\nkey: id\nsql: UPDATE t SET a = b::text, c = :fromage WHERE id >= :from"
                + " AND id < :to\n");
    assertThat(s.chunkSql(1, 2))
        .isEqualTo("UPDATE t SET a = b::text, c = :fromage WHERE id >= 1 AND id < 2");
  }

  @Test
  void sqlWithoutBothBoundsIsRefusedNamingTheField() {
    assertThatThrownBy(() -> load("table: t\nkey: id\nsql: UPDATE t SET a = 1 WHERE id < :to\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("m.yml: sql: must use both :from and :to");
  }

  @Test
  void missingAndUnknownFieldsAreRefusedNamingTheField() {
    assertThatThrownBy(() -> load("key: id\nsql: x :from :to\n"))
        .hasMessageContaining("m.yml: table: missing");
    assertThatThrownBy(() -> load("table: t\nkey: id\nchunksize: 5\nsql: x :from :to\n"))
        .hasMessageContaining("m.yml: chunksize: unknown field");
    assertThatThrownBy(() -> load("table: t\nkey: id\nchunk-size: 0\nsql: x :from :to\n"))
        .hasMessageContaining("m.yml: chunk-size: must be at least 1");
    assertThatThrownBy(() -> load("table: t; drop\nkey: id\nsql: x :from :to\n"))
        .hasMessageContaining("m.yml: table:");
  }

  @Test
  void aMissingFileOrABadNameIsAUsageError() {
    assertThatThrownBy(() -> DataMigrationSpec.load(dir, "nothing"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("does not exist");
    assertThatThrownBy(() -> DataMigrationSpec.load(dir, "../etc/passwd"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("not a data migration name");
  }

  @Test
  void theKeyRangeIsSplitIntoContiguousPartitionsCoveringEveryKeyOnce() {
    List<long[]> parts = ProgressTable.split(1, 100, 3);
    assertThat(parts).hasSize(3);
    assertThat(parts.get(0)).containsExactly(0, 1, 34);
    assertThat(parts.get(1)).containsExactly(1, 34, 67);
    assertThat(parts.get(2)).containsExactly(2, 67, 101);
    assertThat(ProgressTable.split(5, 6, 8)).hasSize(2);
    assertThat(ProgressTable.split(7, 7, 1).get(0)).containsExactly(0, 7, 8);
  }

  @Test
  void theProgressLineShowsChunksRowsRateAndEta() {
    assertThat(ChunkProgress.line("bump", 10, 5000, 0.5, 10, 20, 10, 0.0))
        .isEqualTo("data migration bump: 10 chunks, 5000 rows, 50.0% of keys, 500 rows/s, ETA 10s");
  }
}
