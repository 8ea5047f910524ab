package dev.lifeboat.retention;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.base.Json;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.catalog.Manifests;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.FakeManifests;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import tools.jackson.databind.JsonNode;

/**
 * {@code prune} against a filesystem store and an s3proxy store holding backups spread over 400
 * days (manifests written with past timestamps), through the packaged jar.
 */
class PruneIntegrationTests {

  static final DateTimeFormatter ID =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  static PgConnection db;
  static S3ProxyServer s3;

  @TempDir Path dir;

  @BeforeAll
  static void startServers() {
    db = PostgresServer.shared().createDatabase("prune_it");
    s3 = S3ProxyServer.shared("a");
  }

  /** Where fake backups are written: a directory or a bucket under the prefix lifeboat/. */
  interface Objects {
    void put(String key, String content) throws IOException;

    TreeSet<String> keys() throws IOException;
  }

  static Objects directory(Path root) {
    return new Objects() {
      public void put(String key, String content) throws IOException {
        Path f = root.resolve(key);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content);
      }

      public TreeSet<String> keys() throws IOException {
        TreeSet<String> keys = new TreeSet<>();
        if (Files.isDirectory(root)) {
          try (Stream<Path> files = Files.walk(root)) {
            files
                .filter(Files::isRegularFile)
                .forEach(f -> keys.add(root.relativize(f).toString()));
          }
        }
        return keys;
      }
    };
  }

  static Objects bucket(S3Client client, String bucket) {
    return new Objects() {
      public void put(String key, String content) {
        client.putObject(
            b -> b.bucket(bucket).key("lifeboat/" + key),
            RequestBody.fromString(content, StandardCharsets.UTF_8));
      }

      public TreeSet<String> keys() {
        TreeSet<String> keys = new TreeSet<>();
        client
            .listObjectsV2Paginator(b -> b.bucket(bucket))
            .contents()
            .forEach(o -> keys.add(o.key().substring("lifeboat/".length())));
        return keys;
      }
    };
  }

  static String backup(Objects store, Instant completed, String label) throws IOException {
    String id = ID.format(completed.minusSeconds(60));
    Manifest m = FakeManifests.of(id, "app", completed, label);
    store.put("app/" + id + "/dump", "dump");
    store.put(
        "app/" + id + "/manifest.json", new String(Manifests.write(m), StandardCharsets.UTF_8));
    return id;
  }

  /** One nightly backup a day at 02:00 UTC for 400 days, the newest 25h old. */
  static List<String> history(Objects store, Instant now) throws IOException {
    List<String> ids = new ArrayList<>();
    Instant newest = now.minus(Duration.ofHours(25)).truncatedTo(ChronoUnit.SECONDS);
    for (int d = 0; d < 400; d++) {
      ids.add(backup(store, newest.minus(Duration.ofDays(d)), "nightly"));
    }
    return ids;
  }

  static JsonNode json(Result r) {
    return Json.mapper().readTree(r.stdout());
  }

  static Map<String, List<String>> kept(JsonNode store) {
    Map<String, List<String>> kept = new LinkedHashMap<>();
    for (JsonNode k : store.get("kept")) {
      List<String> reasons = new ArrayList<>();
      k.get("reasons").forEach(r -> reasons.add(r.asString()));
      kept.put(k.get("id").asString(), reasons);
    }
    return kept;
  }

  static List<String> list(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.isString() ? n.asString() : n.toString()));
    return out;
  }

  /** Every floor and rule on one store, dry run first, then the real prune, then again. */
  void prunesA400DayHistory(Fixture fx, Objects store, String storeName) throws Exception {
    Instant now = Instant.now();
    // the newest nightly yesterday at 01:00 UTC and the young backup today, whatever the time of
    // day: with both taken from now (25 h and 2 h ago) they shared a day between 01:00 and 02:00
    // UTC, and the nightly lost its keep-daily (a CI run at 01:50 UTC failed on it)
    Instant today = now.truncatedTo(ChronoUnit.DAYS);
    List<String> nightly = history(store, today.plus(Duration.ofHours(2)));
    Instant youngAt = now.minus(Duration.ofHours(2));
    String young =
        backup(store, youngAt.isBefore(today) ? today.plusSeconds(1) : youngAt, "nightly");
    String safetyYoung =
        backup(store, now.minus(Duration.ofDays(10)).plusSeconds(7), "pre-restore");
    String safetyOld =
        backup(store, now.minus(Duration.ofDays(20)).plusSeconds(7), "pre-migrate-V3");
    String release = backup(store, now.minus(Duration.ofDays(300)).plusSeconds(7), "release");
    String toPin = nightly.get(200);
    String verified = nightly.get(150);
    store.put("app/" + verified + "/verified.json", "{\"backup\":\"" + verified + "\"}");
    Path config =
        fx.yaml(
                "  retention:\n    keep-last: 2\n    keep-daily: 7\n    keep-weekly: 4\n"
                    + "    keep-monthly: 6\n    keep-labels: [release]")
            .write(db, "app");
    LifeboatCli cli = fx.cli();

    Result pin = cli.run("--config", config.toString(), "pin", toPin, "--reason", "audit 2026");
    assertThat(pin.exitCode()).as(pin.toString()).isZero();
    assertThat(pin.stdout()).contains(toPin).contains("pinned").contains(storeName);
    JsonNode rows = json(cli.run("--config", config.toString(), "backups", "--json"));
    JsonNode pinnedRow = null;
    for (JsonNode r : rows) {
      if (r.get("id").asString().equals(toPin)) {
        pinnedRow = r;
      }
    }
    assertThat(pinnedRow.get("pinned").asBoolean()).isTrue();
    assertThat(pinnedRow.get("pinReason").asString()).isEqualTo("audit 2026");
    assertThat(cli.run("--config", config.toString(), "backups").stdout())
        .contains("pinned: audit 2026");

    TreeSet<String> before = store.keys();
    Result dry = cli.run("--config", config.toString(), "prune", "--dry-run", "--json");
    assertThat(dry.exitCode()).as(dry.toString()).isZero();
    assertThat(store.keys()).as("a dry run changes nothing").isEqualTo(before);
    JsonNode plan = json(dry).get("stores").get(0);
    assertThat(plan.get("store").asString()).isEqualTo(storeName);
    assertThat(plan.get("status").asString()).isEqualTo("planned");
    Map<String, List<String>> kept = kept(plan);
    assertThat(kept.get(young)).contains("newest", "min-age", "keep-last");
    assertThat(kept.get(nightly.get(0))).contains("keep-last", "keep-daily");
    assertThat(kept.get(nightly.get(4))).contains("keep-daily");
    int plain = 40; // beyond daily and weekly; not the newest of its month either
    while (!nightly.get(plain).substring(0, 6).equals(nightly.get(plain - 1).substring(0, 6))) {
      plain++;
    }
    assertThat(kept).doesNotContainKey(nightly.get(plain));
    assertThat(kept.get(toPin)).containsExactly("pinned");
    assertThat(kept.get(verified)).contains("newest-verified");
    assertThat(kept.get(safetyYoung)).containsExactly("safety");
    assertThat(kept).doesNotContainKey(safetyOld);
    assertThat(kept.get(release)).containsExactly("keep-label");
    assertThat(kept.values().stream().filter(r -> r.contains("keep-monthly"))).hasSize(6);
    List<String> toDelete = list(plan.get("deleted"));
    assertThat(toDelete).contains(safetyOld, nightly.get(399)).doesNotContain(toPin, verified);
    assertThat(kept.size() + toDelete.size()).isEqualTo(nightly.size() + 4);

    Result prune = cli.run("--config", config.toString(), "prune", "--json");
    assertThat(prune.exitCode()).as(prune.toString()).isZero();
    JsonNode done = json(prune).get("stores").get(0);
    assertThat(done.get("status").asString()).isEqualTo("pruned");
    assertThat(list(done.get("deleted"))).isEqualTo(toDelete);
    TreeSet<String> after = store.keys();
    for (String id : toDelete) {
      assertThat(after).noneMatch(k -> k.startsWith("app/" + id + "/"));
    }
    for (String id : kept.keySet()) {
      assertThat(after).contains("app/" + id + "/manifest.json", "app/" + id + "/dump");
    }
    assertThat(after).contains("app/" + toPin + "/pin.json", "app/" + verified + "/verified.json");

    // the policy on its own output deletes nothing more
    Result again = cli.run("--config", config.toString(), "prune", "--json");
    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(json(again).get("stores").get(0).get("deleted")).isEmpty();
    assertThat(store.keys()).isEqualTo(after);

    // unpinned, the old backup goes at the next prune
    Result unpin = cli.run("--config", config.toString(), "unpin", toPin);
    assertThat(unpin.exitCode()).as(unpin.toString()).isZero();
    Result third = cli.run("--config", config.toString(), "prune", "--json");
    assertThat(list(json(third).get("stores").get(0).get("deleted"))).containsExactly(toPin);

    Result history = cli.run("--config", config.toString(), "history", "--job", "prune");
    assertThat(history.exitCode()).as(history.toString()).isZero();
    assertThat(history.stdout())
        .contains("prune")
        .contains("deleted " + toDelete.size() + " backups");
  }

  @Test
  void aFilesystemStoreIsPrunedByEveryRuleAndFloorAndADryRunChangesNothing() throws Exception {
    Path local = dir.resolve("store");
    prunesA400DayHistory(new Fixture(dir).filesystem("local", local), directory(local), "local");
  }

  @Test
  void anS3StoreIsPrunedByEveryRuleAndFloorAndADryRunChangesNothing() throws Exception {
    s3.createBucket("prune400");
    prunesA400DayHistory(
        new Fixture(dir).s3("s3", s3, "prune400"), bucket(s3.client(), "prune400"), "s3");
  }

  @Test
  void whenBackupsAreFailingNothingIsDeletedAndPruneSaysWhy() throws Exception {
    Path local = dir.resolve("store");
    Objects store = directory(local);
    Instant now = Instant.now();
    for (int d = 3; d < 60; d++) {
      backup(store, now.minus(Duration.ofDays(d)), "nightly");
    }
    Fixture fx = new Fixture(dir).filesystem("local", local);
    Path config =
        fx.yaml(
                "  retention:\n    keep-last: 1\n    keep-daily: 0\n    keep-weekly: 0\n"
                    + "    keep-monthly: 0")
            .write(db, "app");
    TreeSet<String> before = store.keys();
    Result prune = fx.cli().run("--config", config.toString(), "prune");
    assertThat(prune.exitCode()).as(prune.toString()).isZero();
    assertThat(prune.stdout())
        .contains("NOTHING DELETED")
        .contains("more than 48h: backups are failing, so nothing is deleted")
        .contains("0 deleted");
    assertThat(store.keys()).isEqualTo(before);
  }

  @Test
  void keepWithinCountsBackFromTheNewestBackupNotFromNow() throws Exception {
    Path local = dir.resolve("store");
    Objects store = directory(local);
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    List<String> ids = new ArrayList<>();
    for (int d = 10; d < 30; d++) {
      ids.add(backup(store, now.minus(Duration.ofDays(d)), "nightly"));
    }
    // a weekly backup schedule: failing only after 14 days, so the 10-day-old newest is fine
    Fixture fx = new Fixture(dir).filesystem("local", local);
    Path config =
        fx.yaml(
                "  retention:\n    keep-last: 0\n    keep-daily: 0\n    keep-weekly: 0\n"
                    + "    keep-monthly: 0\n    keep-within: 5d\n"
                    + "  schedules:\n    backup: { cron: \"0 0 2 ? * SUN\" }")
            .write(db, "app");
    Result prune = fx.cli().run("--config", config.toString(), "prune", "--json");
    assertThat(prune.exitCode()).as(prune.toString()).isZero();
    JsonNode s = json(prune).get("stores").get(0);
    // 10..15 days old are within 5 days of the newest; from now, none would be
    assertThat(kept(s).keySet()).containsExactlyInAnyOrderElementsOf(ids.subList(0, 6));
    assertThat(kept(s).get(ids.get(5))).containsExactly("keep-within");
    assertThat(list(s.get("deleted"))).hasSize(14);
  }

  @Test
  void leftoversOfCrashesAreCleanedOnceOlderThanTheLeftoverAge() throws Exception {
    Path local = dir.resolve("store");
    Objects store = directory(local);
    Instant now = Instant.now();
    String good = backup(store, now.minus(Duration.ofHours(30)), "nightly");
    // a dump without manifest from two days ago, one from now (a backup perhaps still running)
    store.put("app/20260101T000000Z/dump", "half");
    Files.setLastModifiedTime(
        local.resolve("app/20260101T000000Z/dump"), FileTime.from(now.minus(Duration.ofDays(2))));
    store.put("app/29990101T000000Z/dump", "running");
    Path oldPartial = local.resolve("app/20260102T000000Z/.dump.123.partial");
    store.put("app/20260102T000000Z/.dump.123.partial", "x");
    Files.setLastModifiedTime(oldPartial, FileTime.from(now.minus(Duration.ofDays(3))));
    Path freshPartial = local.resolve("app/20260103T000000Z/.dump.456.partial");
    store.put("app/20260103T000000Z/.dump.456.partial", "y");
    // folders that are no backup (WAL, someone's notes), as old: not prune's to judge
    List<Path> notBackups =
        List.of(
            local.resolve("app/wal/000000010000000000000001"),
            local.resolve("app/notes/readme.txt"));
    for (Path p : notBackups) {
      store.put(local.relativize(p).toString(), "kept");
      Files.setLastModifiedTime(p, FileTime.from(now.minus(Duration.ofDays(3))));
    }
    Fixture fx = new Fixture(dir).filesystem("local", local);
    Path config = fx.write(db, "app");
    LifeboatCli cli = fx.cli();

    Result dry = cli.run("--config", config.toString(), "prune", "--dry-run", "--json");
    assertThat(dry.exitCode()).as(dry.toString()).isZero();
    JsonNode cleaned = json(dry).get("stores").get(0).get("cleaned");
    assertThat(cleaned.toString())
        .contains("incomplete-backup", "app/20260101T000000Z")
        .contains("partial-file", "app/20260102T000000Z/.dump.123.partial")
        .doesNotContain("29990101T000000Z")
        .doesNotContain(".dump.456.partial");
    assertThat(oldPartial).exists();
    assertThat(local.resolve("app/20260101T000000Z/dump")).exists();

    Result prune = cli.run("--config", config.toString(), "prune");
    assertThat(prune.exitCode()).as(prune.toString()).isZero();
    assertThat(prune.stdout()).contains("cleaned incomplete-backup app/20260101T000000Z");
    assertThat(local.resolve("app/20260101T000000Z")).doesNotExist();
    assertThat(oldPartial).doesNotExist();
    assertThat(freshPartial).exists();
    assertThat(local.resolve("app/29990101T000000Z/dump")).exists();
    assertThat(local.resolve("app/" + good + "/manifest.json")).exists();
    assertThat(notBackups).allSatisfy(p -> assertThat(p).exists());
    assertThat(prune.stdout()).doesNotContain("app/wal").doesNotContain("app/notes");
  }

  @Test
  void danglingMultipartUploadsAndIncompleteObjectsAreCleanedFromAnS3Store() throws Exception {
    s3.createBucket("leftovers");
    S3Client client = s3.client();
    Objects store = bucket(client, "leftovers");
    String good = backup(store, Instant.now().minus(Duration.ofHours(30)), "nightly");
    store.put("app/20260101T000000Z/dump", "half");
    String uploadId =
        client
            .createMultipartUpload(
                b -> b.bucket("leftovers").key("lifeboat/app/20260104T000000Z/dump"))
            .uploadId();
    // s3proxy cannot backdate an upload: leftover-age 0s makes every leftover old enough
    Fixture fx = new Fixture(dir).s3("s3", s3, "leftovers");
    Path config = fx.yaml("  retention:\n    leftover-age: 0s").write(db, "app");
    LifeboatCli cli = fx.cli();
    Result dry = cli.run("--config", config.toString(), "prune", "--dry-run", "--json");
    assertThat(dry.exitCode()).as(dry.toString()).isZero();
    assertThat(json(dry).get("stores").get(0).get("cleaned").toString())
        .contains("multipart-upload", "app/20260104T000000Z/dump")
        .contains("incomplete-backup", "app/20260101T000000Z");
    assertThat(client.listMultipartUploads(b -> b.bucket("leftovers")).uploads())
        .extracting(u -> u.uploadId())
        .contains(uploadId);

    Result prune = cli.run("--config", config.toString(), "prune", "--json");
    assertThat(prune.exitCode()).as(prune.toString()).isZero();
    assertThat(client.listMultipartUploads(b -> b.bucket("leftovers")).uploads())
        .extracting(u -> u.uploadId())
        .doesNotContain(uploadId);
    assertThat(store.keys())
        .containsExactlyInAnyOrder("app/" + good + "/dump", "app/" + good + "/manifest.json");
  }

  @Test
  void aStoreThatIsDownIsSkippedAndNamedAndNoBackupIsDeletedInTheOthersExit3() throws Exception {
    Path local = dir.resolve("store");
    Objects store = directory(local);
    Instant now = Instant.now();
    List<String> ids = new ArrayList<>();
    for (int d = 1; d < 20; d++) {
      ids.add(backup(store, now.minus(Duration.ofDays(d)).minusSeconds(3600), "nightly"));
    }
    String dead = "http://127.0.0.1:" + PostgresServer.freePort();
    Fixture fx = new Fixture(dir).filesystem("local", local).s3At("offsite", dead, "gone");
    Path config =
        fx.yaml(
                "  retention:\n    keep-last: 3\n    keep-daily: 0\n    keep-weekly: 0\n"
                    + "    keep-monthly: 0")
            .write(db, "app");
    Result prune = fx.cli().run("--config", config.toString(), "prune", "--json");
    assertThat(prune.exitCode()).as(prune.toString()).isEqualTo(3);
    assertThat(prune.stderr()).contains("store 'offsite' skipped");
    JsonNode stores = json(prune).get("stores");
    // the dead store may hold pins the live one lacks: its backups are held, not pruned
    assertThat(stores.get(0).get("status").asString()).isEqualTo("pruned");
    assertThat(list(stores.get(0).get("deleted"))).isEmpty();
    assertThat(stores.get(0).get("guard").asString())
        .contains("store 'offsite' could not be read", "no backup is deleted in any store");
    assertThat(kept(stores.get(0)).values())
        .filteredOn(r -> r.contains("store-unreadable"))
        .hasSize(16);
    assertThat(stores.get(1).get("store").asString()).isEqualTo("offsite");
    assertThat(stores.get(1).get("status").asString()).isEqualTo("skipped");
    assertThat(stores.get(1).get("error").asString()).contains("unreachable");
    assertThat(prune.stdout() + prune.stderr()).doesNotContain("nothing\"", "OFFSITE_SECRET");
    assertThat(store.keys()).hasSize(38);
  }

  /** Makes a file undeletable even for root (ext4/xfs immutable flag); false where unsupported. */
  static boolean immutable(Path file, boolean on) throws Exception {
    Process p =
        new ProcessBuilder("chattr", on ? "+i" : "-i", file.toString())
            .redirectErrorStream(true)
            .start();
    p.getInputStream().readAllBytes();
    return p.waitFor() == 0;
  }

  /**
   * An object the store refuses to delete (Object Lock, AccessDenied; here an immutable file) is
   * reported as retained by the store; the rest is pruned and the run succeeds; the refused backup
   * stays whole and listed.
   */
  void aRefusedDeleteIsReportedAsRetainedAndTheRestIsPruned(
      Fixture fx, Objects store, Path root, String storeName) throws Exception {
    Instant now = Instant.now();
    List<String> ids = new ArrayList<>();
    for (int d = 1; d <= 8; d++) {
      ids.add(backup(store, now.minus(Duration.ofDays(d)).minusSeconds(3600), "nightly"));
    }
    String locked = ids.get(6); // old enough to be pruned by keep-last 3
    Path lockedManifest = root.resolve("app").resolve(locked).resolve("manifest.json");
    Assumptions.assumeTrue(
        immutable(lockedManifest, true),
        "chattr +i is not supported on " + root + ": cannot make a store refuse a delete");
    try {
      Path config =
          fx.yaml(
                  "  retention:\n    keep-last: 3\n    keep-daily: 0\n    keep-weekly: 0\n"
                      + "    keep-monthly: 0")
              .write(db, "app");
      Result prune = fx.cli().run("--config", config.toString(), "prune", "--json");

      assertThat(prune.exitCode()).as(prune.toString()).isZero();
      JsonNode report = json(prune).get("stores").get(0);
      assertThat(report.get("store").asString()).isEqualTo(storeName);
      assertThat(report.get("status").asString()).isEqualTo("pruned");
      assertThat(list(report.get("deleted"))).hasSize(4).doesNotContain(locked);
      assertThat(kept(report)).containsEntry(locked, List.of("retained-by-store"));
      assertThat(report.get("retainedByStore").toString())
          .contains("app/" + locked + "/manifest.json");
      // the refused backup is whole: its dump was not deleted after its manifest stayed
      assertThat(store.keys())
          .contains("app/" + locked + "/manifest.json", "app/" + locked + "/dump")
          .hasSize(2 * 4);
      Result backups = fx.cli().run("--config", config.toString(), "backups", "--json");
      assertThat(backups.stdout()).contains(locked);
    } finally {
      immutable(lockedManifest, false);
    }
  }

  @Test
  void aFilesystemStoreThatRefusesADeleteReportsItRetainedAndPrunesTheRest() throws Exception {
    Path local = dir.resolve("store");
    aRefusedDeleteIsReportedAsRetainedAndTheRestIsPruned(
        new Fixture(dir).filesystem("local", local), directory(local), local, "local");
  }

  @Test
  void anS3StoreThatRefusesADeleteReportsItRetainedAndPrunesTheRest() throws Exception {
    s3.createBucket("refuses");
    aRefusedDeleteIsReportedAsRetainedAndTheRestIsPruned(
        new Fixture(dir).s3("s3", s3, "refuses"),
        bucket(s3.client(), "refuses"),
        s3.dataDir().resolve("refuses").resolve("lifeboat"),
        "s3");
  }

  @Test
  void anUnknownStoreIsAUsageErrorAndNothingIsPruned() throws Exception {
    Path local = dir.resolve("store");
    Objects store = directory(local);
    for (int d = 1; d < 20; d++) {
      backup(store, Instant.now().minus(Duration.ofDays(d)), "nightly");
    }
    Fixture fx = new Fixture(dir).filesystem("local", local);
    Path config = fx.write(db, "app");
    TreeSet<String> before = store.keys();
    Result prune = fx.cli().run("--config", config.toString(), "prune", "--store", "nope");
    assertThat(prune.exitCode()).as(prune.toString()).isEqualTo(2);
    assertThat(prune.stderr()).contains("no store 'nope'");
    assertThat(store.keys()).isEqualTo(before);
  }
}
