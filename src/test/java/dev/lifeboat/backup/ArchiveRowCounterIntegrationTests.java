package dev.lifeboat.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.pg.PgCatalog;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgDump;
import dev.lifeboat.pg.PgDumpRun;
import dev.lifeboat.pg.PgTool;
import dev.lifeboat.pg.ProcessRunner;
import dev.lifeboat.testing.PostgresServer;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real archives from the installed pg_dump, of a database with every awkward shape of table, fed to
 * {@link ArchiveRowCounter} in odd chunk sizes: its counts equal count(*) table by table.
 */
class ArchiveRowCounterIntegrationTests {

  static PgConnection db;
  static byte[] archive;
  static Map<String, Long> expected;

  @BeforeAll
  static void createDatabaseAndDump() throws Exception {
    db = PostgresServer.shared().createDatabase("row_counter");
    try (Connection c = db.open();
        Statement st = c.createStatement()) {
      st.execute(
          "CREATE TABLE awkward (id int PRIMARY KEY, t text, b bytea, j jsonb, tags text[])");
      st.execute(
          "INSERT INTO awkward SELECT g,"
              + " 'line one' || E'\\n' || 'line two' || E'\\r\\n' || E'tab\\there' || E'\\\\back\\\\' || '\\.' || g,"
              + " decode(repeat('0a0d5c2e00ff', 1 + g % 50), 'hex'),"
              + " jsonb_build_object('k', E'multi\\nline', 'n', g, 'nested', jsonb_build_array(E'a\\tb', '\\.')),"
              + " ARRAY[E'x\\ny', NULL, '\\.']"
              + " FROM generate_series(1, 5000) g");
      // a row whose only value is the two characters of COPY's old end marker
      st.execute("CREATE TABLE marker (t text)");
      st.execute("INSERT INTO marker VALUES ('\\.'), (E'\\n'), (''), (NULL)");
      st.execute("CREATE TABLE empty_table (id int, note text)");
      st.execute("CREATE TABLE measurements (id bigint, at date, v text) PARTITION BY RANGE (at)");
      st.execute(
          "CREATE TABLE measurements_2024 PARTITION OF measurements"
              + " FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')");
      st.execute(
          "CREATE TABLE measurements_2025 PARTITION OF measurements"
              + " FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')");
      st.execute(
          "CREATE TABLE measurements_empty PARTITION OF measurements"
              + " FOR VALUES FROM ('2030-01-01') TO ('2031-01-01')");
      st.execute(
          "INSERT INTO measurements SELECT g, date '2024-01-01' + (g % 700), md5(g::text)"
              + " FROM generate_series(1, 20000) g");
      st.execute("CREATE TABLE \"Mixed Case.Name\" (\"select\" int, \"a\"\"b\" text)");
      st.execute(
          "INSERT INTO \"Mixed Case.Name\" SELECT g, 'q\"' || g FROM generate_series(1, 33) g");
      st.execute("CREATE SCHEMA \"other schema\"");
      st.execute("CREATE TABLE \"other schema\".items (id int, name text)");
      st.execute(
          "INSERT INTO \"other schema\".items SELECT g, 'item ' || g FROM generate_series(1, 77) g");
      st.execute("CREATE UNLOGGED TABLE scratch (id int, payload text)");
      st.execute(
          "INSERT INTO scratch SELECT g, repeat('x', g % 300) FROM generate_series(1, 1234) g");
      st.execute("CREATE MATERIALIZED VIEW mv AS SELECT id, t FROM awkward WHERE id < 100");
      st.execute("CREATE SEQUENCE counter_seq");
      st.execute("SELECT lo_from_bytea(0, decode('0a0a0a5c2e0a', 'hex'))");
    }
    try (Connection c = db.open()) {
      expected = PgCatalog.rowCounts(c);
    }
    archive = dump(db);
  }

  static byte[] dump(PgConnection conn) throws Exception {
    PgTool pgDump = PostgresServer.shared().binaries().require("pg_dump", 10);
    try (PgDumpRun run = new PgDump(ProcessRunner.system()).start(pgDump, conn, null, List.of())) {
      byte[] bytes = run.output().readAllBytes();
      run.finish();
      return bytes;
    }
  }

  static Optional<Map<String, Long>> count(byte[] bytes, int chunk) {
    ArchiveRowCounter counter = new ArchiveRowCounter();
    byte[] buffer = new byte[chunk];
    for (int at = 0; at < bytes.length; at += chunk) {
      int n = Math.min(chunk, bytes.length - at);
      // through one reused buffer, as the backup reads them
      System.arraycopy(bytes, at, buffer, 0, n);
      counter.accept(buffer, 0, n);
    }
    return counter.counts();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 4096, 65536, 1 << 20})
  void countsFromTheArchiveEqualCountStarTableByTable(int chunk) {
    Optional<Map<String, Long>> counts = count(archive, chunk);

    assertThat(counts).isPresent();
    assertThat(counts.get()).containsExactlyInAnyOrderEntriesOf(expected);
    assertThat(expected)
        .containsKeys(
            "public.awkward",
            "public.marker",
            "public.empty_table",
            "public.measurements_2024",
            "public.measurements_empty",
            "public.\"Mixed Case.Name\"",
            "\"other schema\".items",
            "public.scratch")
        .containsEntry("public.empty_table", 0L)
        .containsEntry("public.marker", 4L)
        .containsEntry("public.awkward", 5000L);
  }

  @Test
  void theArchiveIsTheVersionAndShapeThisReaderWasWrittenFor() {
    // PGDMP, version 1.x.0; pg_dump 15 writes 1.14, uncompressed
    assertThat(new String(archive, 0, 5)).isEqualTo("PGDMP");
    assertThat(archive[5]).isEqualTo((byte) 1);
    assertThat((int) archive[6])
        .isBetween(ArchiveRowCounter.MIN_MINOR, ArchiveRowCounter.MAX_MINOR);
  }

  @Test
  void aTruncatedArchiveGivesUpWhereverItIsCut() {
    for (int cut :
        new int[] {
          3, 20, 200, archive.length / 3, archive.length / 2, archive.length - 7, archive.length - 1
        }) {
      assertThat(count(Arrays.copyOf(archive, cut), 7)).as("cut at " + cut).isEmpty();
    }
  }

  @Test
  void anUnknownVersionOrCompressedDataGivesUp() throws Exception {
    byte[] newer = archive.clone();
    newer[6] = (byte) (ArchiveRowCounter.MAX_MINOR + 1);
    assertThat(count(newer, 65536)).isEmpty();

    PgTool pgDump = PostgresServer.shared().binaries().require("pg_dump", 10);
    byte[] gzip;
    try (PgDumpRun run =
        new PgDump(ProcessRunner.system()).start(pgDump, db, null, List.of("--compress=6"))) {
      gzip = run.output().readAllBytes();
      run.finish();
    }
    ArchiveRowCounter counter = new ArchiveRowCounter();
    counter.accept(gzip, 0, gzip.length);
    assertThat(counter.counts()).isEmpty();
    assertThat(counter.failure()).contains("compressed");
  }

  @Test
  void garbageInTheDataGivesUpInsteadOfCounting() {
    // a byte flipped in the middle of the data (a chunk length or a block header) is caught by
    // the block structure or by a block that no longer ends with a whole row
    int caught = 0;
    for (int at = archive.length / 2; at < archive.length / 2 + 64; at++) {
      if (archive[at] == '\n') {
        continue; // a row's own newline turned into text merges two rows: not detectable
      }
      byte[] bad = archive.clone();
      bad[at] = (byte) 0xEE;
      Optional<Map<String, Long>> counts = count(bad, 65536);
      if (counts.isEmpty()) {
        caught++;
      } else {
        // a flipped byte inside a row's text changes no count
        assertThat(counts.get()).isEqualTo(expected);
      }
    }
    assertThat(caught).isPositive();
    byte[] noise = new byte[100_000];
    new java.util.Random(7).nextBytes(noise);
    assertThat(count(noise, 4096)).isEmpty();
  }
}
