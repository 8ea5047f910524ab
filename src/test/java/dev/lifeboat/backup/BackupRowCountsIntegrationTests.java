package dev.lifeboat.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.base.Json;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.pg.PgCatalog;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manifest's row counts come from the dump stream itself: equal to the database's table by
 * table (partitions and empty tables too), with no second scan of any table; and when the archive
 * cannot be read, a count(*) in the dump's snapshot gives the same counts.
 */
class BackupRowCountsIntegrationTests {

  @TempDir Path dir;

  static PgConnection databaseOfEveryShape(String hint) throws Exception {
    PgConnection db = PostgresServer.shared().createDatabase(hint);
    try (Connection c = db.open();
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE accounts (id int PRIMARY KEY, note text, doc jsonb, raw bytea)");
      st.execute(
          "INSERT INTO accounts SELECT g, E'two\\nlines\\tand a \\\\ backslash',"
              + " jsonb_build_object('n', g, 's', E'a\\nb'), decode('0a5c2e0a', 'hex')"
              + " FROM generate_series(1, 3000) g");
      st.execute("CREATE TABLE never_used (id int PRIMARY KEY)");
      st.execute("CREATE TABLE events (id bigint, at date, kind text) PARTITION BY RANGE (at)");
      st.execute(
          "CREATE TABLE events_2024 PARTITION OF events"
              + " FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')");
      st.execute(
          "CREATE TABLE events_2025 PARTITION OF events"
              + " FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')");
      st.execute(
          "CREATE TABLE events_later PARTITION OF events"
              + " FOR VALUES FROM ('2026-01-01') TO ('2100-01-01')");
      st.execute(
          "INSERT INTO events SELECT g, date '2024-01-01' + (g % 730), 'k' || (g % 7)"
              + " FROM generate_series(1, 9000) g");
      st.execute("CREATE SCHEMA \"Billing\"");
      st.execute("CREATE TABLE \"Billing\".\"Invoice Lines\" (id int, amount numeric)");
      st.execute(
          "INSERT INTO \"Billing\".\"Invoice Lines\" SELECT g, g * 1.5 FROM generate_series(1, 250) g");
      st.execute("CREATE UNLOGGED TABLE cache (k text, v text)");
      st.execute("INSERT INTO cache SELECT 'k' || g, repeat('v', g) FROM generate_series(1, 40) g");
    }
    return db;
  }

  /** Scans started on each user table so far (sequential and index), from the statistics. */
  static Map<String, Long> scans(PgConnection db) throws Exception {
    Map<String, Long> scans = new TreeMap<>();
    try (Connection c = db.open();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT s.schemaname, s.relname, s.seq_scan + coalesce(s.idx_scan, 0)"
                    + " FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid"
                    + " WHERE c.relkind = 'r'")) {
      while (rs.next()) {
        scans.put(new PgCatalog.Table(rs.getString(1), rs.getString(2)).key(), rs.getLong(3));
      }
    }
    return scans;
  }

  /**
   * Scans since {@code before}, once every table shows at least {@code atLeast} and a further wait
   * shows no more: statistics reach the view a moment after the sessions end.
   */
  static Map<String, Long> scansSince(PgConnection db, Map<String, Long> before, long atLeast)
      throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    Map<String, Long> delta;
    do {
      Thread.sleep(500);
      Map<String, Long> now = scans(db);
      delta = new TreeMap<>();
      for (Map.Entry<String, Long> e : now.entrySet()) {
        delta.put(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L));
      }
    } while (delta.values().stream().anyMatch(d -> d < atLeast)
        && Instant.now().isBefore(deadline));
    Thread.sleep(3000);
    Map<String, Long> now = scans(db);
    Map<String, Long> settled = new TreeMap<>();
    now.forEach((k, v) -> settled.put(k, v - before.getOrDefault(k, 0L)));
    return settled;
  }

  static Map<String, Long> countStar(PgConnection db) throws Exception {
    try (Connection c = db.open()) {
      return new TreeMap<>(PgCatalog.rowCounts(c));
    }
  }

  private Manifest backup(Fixture fx, Path config) throws Exception {
    Result backup = fx.cli().run("--config", config.toString(), "backup", "--json");
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    lastOutput = backup;
    return Json.mapper()
        .treeToValue(Json.mapper().readTree(backup.stdout()).get("manifest"), Manifest.class);
  }

  private Result lastOutput;

  @Test
  void theManifestCountsPartitionsAndEmptyTablesFromTheDumpWithNoSecondScanOfAnyTable()
      throws Exception {
    PgConnection db = databaseOfEveryShape("row_counts_stream");
    Fixture fx = new Fixture(dir).filesystem("local", dir.resolve("store"));
    Path config = fx.write(db, "app");
    Map<String, Long> before = scans(db);

    Manifest manifest = backup(fx, config);

    // pg_dump's COPY is the one scan of each table; the old count(*) beside it would be a second
    Map<String, Long> scanned = scansSince(db, before, 1);
    assertThat(scanned).hasSize(7).allSatisfy((table, n) -> assertThat(n).as(table).isEqualTo(1L));
    assertThat(lastOutput.all()).doesNotContain("count(*)");

    Map<String, Long> expected = countStar(db);
    assertThat(new TreeMap<>(manifest.tables())).isEqualTo(expected);
    assertThat(manifest.tables())
        .containsEntry("public.accounts", 3000L)
        .containsEntry("public.never_used", 0L)
        .containsEntry("public.events_later", 0L)
        .containsEntry("\"Billing\".\"Invoice Lines\"", 250L)
        .containsEntry("public.cache", 40L)
        .doesNotContainKey("public.events");
    assertThat(
            manifest.tables().get("public.events_2024")
                + manifest.tables().get("public.events_2025"))
        .isEqualTo(9000L);
  }

  @Test
  void anArchiveTheCounterCannotReadFallsBackToCountStarInTheDumpsSnapshot() throws Exception {
    PgConnection db = databaseOfEveryShape("row_counts_fallback");
    // a pg_dump that writes archive version 1.99 in its header: real data, unknown version
    Path bin =
        pgDumpWrapper(
            "\"$@\" | { dd bs=1 count=6 2>/dev/null; dd bs=1 count=1 of=/dev/null 2>/dev/null;"
                + " printf '\\143'; cat; }");
    Fixture fx =
        new Fixture(dir)
            .filesystem("local", dir.resolve("store"))
            .yaml("  pg:\n    bin-dirs: [\"" + bin + "\"]");
    Path config = fx.write(db, "app");
    Map<String, Long> before = scans(db);

    Manifest manifest = backup(fx, config);

    assertThat(lastOutput.stderr())
        .contains("row counts taken by count(*) of every table")
        .contains("archive version 1.99.0 is not one this reader knows");
    // pg_dump's scan and the count(*): two per table
    Map<String, Long> scanned = scansSince(db, before, 2);
    assertThat(scanned).hasSize(7).allSatisfy((table, n) -> assertThat(n).as(table).isEqualTo(2L));
    assertThat(new TreeMap<>(manifest.tables())).isEqualTo(countStar(db));
    assertThat(manifest.tables()).containsEntry("public.never_used", 0L);
  }

  @Test
  void aTableTheArchiveCarriesNoDataForIsCountedOnItsOwn() throws Exception {
    PgConnection db = databaseOfEveryShape("row_counts_missing");
    // a pg_dump that leaves one table's data out
    Path bin = pgDumpWrapper("--exclude-table-data=public.cache \"$@\"");
    Fixture fx =
        new Fixture(dir)
            .filesystem("local", dir.resolve("store"))
            .yaml("  pg:\n    bin-dirs: [\"" + bin + "\"]");
    Path config = fx.write(db, "app");
    Map<String, Long> before = scans(db);

    Manifest manifest = backup(fx, config);

    assertThat(lastOutput.stderr())
        .contains("row counts of [public.cache] taken by count(*): the archive carried no data")
        .doesNotContain("of every table");
    // the count(*) of the one table pg_dump left out is its only scan; every other table: pg_dump's
    Map<String, Long> scanned = scansSince(db, before, 1);
    assertThat(scanned).hasSize(7).allSatisfy((table, n) -> assertThat(n).as(table).isEqualTo(1L));
    assertThat(new TreeMap<>(manifest.tables())).isEqualTo(countStar(db));
    assertThat(manifest.tables()).containsEntry("public.cache", 40L);
  }

  /** A directory holding a pg_dump that runs the real one as {@code real <args>}. */
  private Path pgDumpWrapper(String args) throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path real = PostgresServer.shared().binaries().require("pg_dump", 10).path();
    Path wrapper = bin.resolve("pg_dump");
    Files.writeString(
        wrapper,
        "#!/bin/bash\n"
            + "set -o pipefail\n"
            + "if [ \"$1\" = --version ]; then exec '"
            + real
            + "' \"$@\"; fi\n"
            + "'"
            + real
            + "' "
            + args
            + "\n");
    Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
    return bin;
  }
}
