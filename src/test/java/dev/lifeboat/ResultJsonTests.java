package dev.lifeboat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.archive.ArchiveFetcher;
import dev.lifeboat.archive.BackupVerifier;
import dev.lifeboat.archive.DrillCheck;
import dev.lifeboat.archive.RowCounts;
import dev.lifeboat.base.Json;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.doctor.DoctorReport;
import dev.lifeboat.pg.PgCatalog;
import dev.lifeboat.retention.PruneReport;
import dev.lifeboat.run.BackupResult;
import dev.lifeboat.run.DataMigrationResult;
import dev.lifeboat.run.DrillReport;
import dev.lifeboat.run.History;
import dev.lifeboat.run.MigrateResult;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.RestoreResult;
import dev.lifeboat.verify.Verify;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The JSON of every result a verb prints with {@code --json} and records in the job history, pinned
 * byte for byte in {@code src/test/resources/golden/} before the redesign (issue 20) moves these
 * types: a move or a new door that changes one field name, order or null fails here. After a
 * deliberate change of the contract's output, write the files again with {@code ./mvnw test
 * -Dtest=ResultJsonTests -Dgolden.write=true} and say why in the commit.
 */
class ResultJsonTests {

  static final Path GOLDEN = Path.of("src/test/resources/golden");

  static final Instant T0 = Instant.parse("2026-12-07T03:00:00Z");
  private static final Instant T1 = Instant.parse("2026-12-07T03:01:30Z");

  static Manifest manifest(String label, Manifest.Encryption encryption) {
    Map<String, Long> tables = new LinkedHashMap<>();
    tables.put("public.accounts", 3L);
    tables.put("public.\"Mixed Case\"", 0L);
    Map<String, PgCatalog.RlsState> rls = new LinkedHashMap<>();
    rls.put("public.accounts", new PgCatalog.RlsState(true, true, 2));
    return new Manifest(
        "20261207T030000Z",
        "app",
        label,
        T0,
        T1,
        encryption == null ? Manifest.FORMAT : Manifest.FORMAT_AGE,
        1234,
        "ab".repeat(32),
        5678,
        "app",
        "15.18",
        "15.18",
        "0.1.0",
        tables,
        rls,
        false,
        encryption,
        new Manifest.Globals("lifeboat/app/20261207T030000Z/globals.sql.zst", 99, "cd".repeat(32)));
  }

  @Test
  void backup() throws IOException {
    golden(
        "backup-complete",
        new BackupResult(
            "20261207T030000Z",
            "app",
            null,
            BackupResult.Status.COMPLETE,
            manifest(null, null),
            List.of(
                new BackupResult.Store("a", BackupResult.Store.Status.OK, null),
                new BackupResult.Store("b", BackupResult.Store.Status.OK, null)),
            null));
    golden(
        "backup-partial-labelled-encrypted",
        new BackupResult(
            "20261207T030000Z",
            "app",
            "before-upgrade",
            BackupResult.Status.PARTIAL,
            manifest("before-upgrade", new Manifest.Encryption("age", List.of("age1xyz"))),
            List.of(
                new BackupResult.Store("a", BackupResult.Store.Status.OK, null),
                new BackupResult.Store(
                    "b", BackupResult.Store.Status.FAILED, "connection refused")),
            "not stored in: b"));
  }

  @Test
  void verify() throws IOException {
    golden(
        "verify-partial",
        new Verify.Report(
            Outcome.PARTIAL,
            "backup 20261207T030000Z: a ok, b unreachable",
            "b: unreachable - connection refused",
            new BackupVerifier.VerifyResult(
                "20261207T030000Z",
                "app",
                "ab".repeat(32),
                1234,
                false,
                List.of(
                    new BackupVerifier.StoreCheck("a", "ok", "sha256 matches"),
                    new BackupVerifier.StoreCheck("b", "unreachable", "connection refused")),
                "signed by key 1a2b")));
  }

  /** {@code verify --wal}: one store good with a window and a partial, one with a gap. */
  static Verify.WalReport walReport() {
    Instant modified = Instant.parse("2026-12-07T16:02:11Z");
    return new Verify.WalReport(
        "app",
        "7716579398738843286",
        List.of(
            new Verify.WalReport.Store(
                "a",
                Verify.WalReport.Status.OK,
                "311 segment(s) and a partial on timeline 1, checksums ok",
                1L,
                311,
                313,
                4_200_000,
                List.of(
                    new Verify.WalReport.Run(
                        "000000010000000000000001",
                        "000000010000000000000138",
                        311,
                        "1/38002000",
                        modified)),
                List.of(),
                List.of(),
                List.of(
                    new Verify.WalReport.Window(
                        "20261207T151000Z",
                        Instant.parse("2026-12-07T15:10:04Z"),
                        modified,
                        1,
                        "0/2000100",
                        "1/38002000")),
                new Verify.WalReport.Partial("000000010000000000000138", 8192, modified, 3),
                List.of()),
            new Verify.WalReport.Store(
                "b",
                Verify.WalReport.Status.BROKEN,
                "segment 00000001000000000000002A missing (and 3 more in 1 gap(s))",
                1L,
                307,
                307,
                4_100_000,
                List.of(),
                List.of(
                    new Verify.WalReport.Gap(
                        "00000001000000000000002A", "00000001000000000000002D", 4)),
                List.of(
                    new Verify.WalReport.Corrupt(
                        "app.wal/7716579398738843286/0000000100000000/000000010000000000000011-"
                            + "ab".repeat(32)
                            + ".zst",
                        "checksum mismatch: its 900 stored bytes hash to " + "cd".repeat(32))),
                List.of(),
                null,
                List.of(2L))));
  }

  @Test
  void verifyWal() throws IOException {
    golden(
        "verify-wal",
        new Verify.Report(
            Outcome.PARTIAL,
            "WAL of app: a ok, b broken",
            "b: broken - segment 00000001000000000000002A missing (and 3 more in 1 gap(s))",
            null,
            walReport()));
  }

  @Test
  void restore() throws IOException {
    golden(
        "restore-success",
        new RestoreResult(
            "success",
            "20261207T030000Z",
            "app",
            "app_restored",
            "a",
            List.of(
                new ArchiveFetcher.Attempt("b", "failed", "timed out"),
                new ArchiveFetcher.Attempt("a", "ok", null)),
            null,
            12.5,
            List.of(new RowCounts.TableCount("public.accounts", 3L, 3L, true)),
            null,
            List.of("app_owner"),
            List.of(new RestoreResult.CreatedRole("app_owner", List.of("LOGIN"))),
            "signed by key 1a2b"));
  }

  @Test
  void drill() throws IOException {
    golden(
        "drill-failed",
        new DrillReport(
            DrillCheck.Status.FAILED,
            "app",
            "20261207T030000Z",
            "lifeboat_drill_app_1",
            false,
            "a",
            20.25,
            18.0,
            List.of(
                new DrillCheck("row counts", DrillCheck.Status.PASSED, "2 tables match"),
                new DrillCheck(
                    "tenant isolation", DrillCheck.Status.FAILED, "account 1 sees 2 rows of 2")),
            null));
  }

  @Test
  void prune() throws IOException {
    golden(
        "prune-partial",
        new PruneReport(
            "app",
            false,
            Outcome.PARTIAL,
            "kept 1, deleted 1 in a; b skipped",
            "store b: unreachable",
            List.of(
                new PruneReport.StoreReport(
                    "a",
                    PruneReport.StoreStatus.PRUNED,
                    "keep-daily 7",
                    null,
                    List.of(new PruneReport.Kept("20261207T030000Z", List.of("newest"))),
                    List.of("20261101T030000Z"),
                    List.of(new PruneReport.Cleaned("partial", "x.partial", T0)),
                    List.of(),
                    List.of(new PruneReport.Retained("y", "running backup")),
                    null),
                new PruneReport.StoreReport(
                    "b",
                    PruneReport.StoreStatus.SKIPPED,
                    "keep-daily 7",
                    null,
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of(),
                    "unreachable")),
            List.of()));
  }

  @Test
  void migrate() throws IOException {
    golden(
        "migrate-failed",
        new MigrateResult(
            MigrateResult.Status.FAILED,
            "app",
            7L,
            List.of(new MigrateResult.Step("1", "add notes", "V1__add_notes.sql", 40)),
            new MigrateResult.Failure("2", "V2__bad.sql", 3, "syntax error", true),
            1,
            "V2__bad.sql failed",
            "20261207T030000Z",
            null,
            List.of(),
            null,
            false));
  }

  @Test
  void dataMigration() throws IOException {
    golden(
        "data-migration-paused",
        new DataMigrationResult(
            "trim-titles",
            "app",
            DataMigrationResult.State.PAUSED,
            5000,
            5,
            2.5,
            2000.0,
            0.5,
            null,
            null));
  }

  @Test
  void historyAndDoctor() throws IOException {
    golden(
        "history-entry",
        new History.Entry(
            42,
            "backup",
            "app",
            "schedule",
            "node-a",
            "2026-12-07T03:00:00Z",
            90.0,
            "partial",
            "COMPLETED",
            "20261207T030000Z",
            "not stored in: b"));
    golden(
        "doctor",
        new DoctorReport(
            "warn",
            List.of(
                new DoctorReport.Check("lifeboat", "ok", "0.1.0"),
                new DoctorReport.Check("target app drill", "warn", "never drilled"))));
  }

  /**
   * Old job records hold these words: each result reads back from its golden file to the same
   * result, its statuses from their words.
   */
  @Test
  void everyResultReadsBackFromTheWordsItWrote() throws IOException {
    readsBack("backup-complete", BackupResult.class);
    readsBack("backup-partial-labelled-encrypted", BackupResult.class);
    readsBack("verify-partial", Verify.Report.class);
    readsBack("verify-wal", Verify.Report.class);
    readsBack("drill-failed", DrillReport.class);
    readsBack("prune-partial", PruneReport.class);
    readsBack("migrate-failed", MigrateResult.class);
    readsBack("data-migration-paused", DataMigrationResult.class);
  }

  /** A safe apply's post-checks are the lines they were as strings, both ways. */
  @Test
  void postChecksAreTheirLines() {
    List<MigrateResult.PostCheck> checks =
        List.of(
            new MigrateResult.PostCheck("status", true, "clean, 0 pending"),
            new MigrateResult.PostCheck("assert accounts-kept.sql", false, "returned false"));
    String json = Json.write(checks);
    assertThat(json)
        .isEqualTo(
            "[ \"ok status: clean, 0 pending\", \"FAILED assert accounts-kept.sql: returned"
                + " false\" ]");
    assertThat(Json.mapper().readValue(json, MigrateResult.PostCheck[].class))
        .containsExactlyElementsOf(checks);
  }

  private static void readsBack(String name, Class<?> type) throws IOException {
    String json = Files.readString(GOLDEN.resolve(name + ".json"), StandardCharsets.UTF_8);
    assertThat(Json.write(Json.read(json, type)) + "\n").as(name).isEqualTo(json);
  }

  private static void golden(String name, Object value) throws IOException {
    String json = Json.write(value) + "\n";
    Path file = GOLDEN.resolve(name + ".json");
    if (Boolean.getBoolean("golden.write")) {
      Files.createDirectories(GOLDEN);
      Files.writeString(file, json, StandardCharsets.UTF_8);
    }
    assertThat(file).as("golden file (write with -Dgolden.write=true)").exists();
    assertThat(json).as(name).isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
  }
}
