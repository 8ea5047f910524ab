package dev.lifeboat.retention;

import static dev.lifeboat.retention.PruneIntegrationTests.backup;
import static dev.lifeboat.retention.PruneIntegrationTests.bucket;
import static dev.lifeboat.retention.PruneIntegrationTests.directory;
import static dev.lifeboat.retention.PruneIntegrationTests.json;
import static dev.lifeboat.retention.PruneIntegrationTests.list;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.retention.PruneIntegrationTests.Objects;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.LifeboatCli.Running;
import dev.lifeboat.testing.ListingFilterProxy;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.ThrottledProxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import tools.jackson.databind.JsonNode;

/**
 * What prune must never delete, through the packaged jar against real s3proxy and PostgreSQL: a
 * backup still uploading (whatever {@code leftover-age} says), a complete backup that a listing
 * left out, a pinned backup while the store holding its pin is down.
 */
class PruneSafetyIntegrationTests {

  static PgConnection db;
  static S3ProxyServer s3;

  @TempDir Path dir;

  @BeforeAll
  static void startServers() {
    db = PostgresServer.shared().createDatabase("prune_safety_it");
    s3 = S3ProxyServer.shared("prune-safety");
  }

  static List<MultipartUpload> uploads(S3Client client, String bucket) {
    return client.listMultipartUploads(b -> b.bucket(bucket)).uploads();
  }

  @Test
  void aBackupStillUploadingIsLeftAloneWhateverTheLeftoverAge() throws Exception {
    s3.createBucket("inflight");
    PgConnection big = PostgresServer.shared().createExampleDatabase("prune_inflight", 2);
    try (ThrottledProxy slow = new ThrottledProxy(s3.endpoint(), 1024 * 1024);
        S3Client client = s3.client()) {
      Fixture fx = new Fixture(dir).s3("slow", s3, "inflight", slow.endpoint());
      // leftover-age 0s: every leftover is old enough, so only the in-flight rule can save it
      Path config = fx.yaml("  retention:\n    leftover-age: 0s").write(big, "app");
      LifeboatCli cli = fx.cli();

      Running backup = cli.start("--config", config.toString(), "backup", "--json");
      Instant deadline = Instant.now().plusSeconds(90);
      while (uploads(client, "inflight").isEmpty()) {
        assertThat(Instant.now()).as(backup.stderrSoFar()).isBefore(deadline);
        Thread.sleep(200);
      }
      String uploadId = uploads(client, "inflight").get(0).uploadId();

      Result prune = cli.run("--config", config.toString(), "prune", "--json");

      assertThat(prune.exitCode()).as(prune.toString()).isZero();
      JsonNode store = json(prune).get("stores").get(0);
      assertThat(store.get("cleaned").toString()).as(prune.toString()).doesNotContain("app/");
      assertThat(store.get("leftAlone").toString()).contains("a backup in flight");
      assertThat(uploads(client, "inflight"))
          .as("the running backup's upload is still open")
          .extracting(MultipartUpload::uploadId)
          .contains(uploadId);

      // the prune is over: the rest of the upload need not crawl
      slow.unthrottle();
      Result done = backup.await(Duration.ofMinutes(3));
      assertThat(done.exitCode()).as(done.toString()).isZero();
      Result backups = cli.run("--config", config.toString(), "backups", "--json");
      assertThat(list(json(backups))).hasSize(1);
      assertThat(uploads(client, "inflight")).isEmpty();
      assertThat(
              client
                  .listObjectsV2(b -> b.bucket("inflight").prefix("lifeboat/app/"))
                  .contents()
                  .stream()
                  .map(o -> o.key())
                  .toList())
          .as("the marker is gone once the backup is published")
          .noneMatch(k -> k.endsWith("/running.json"))
          .anyMatch(k -> k.endsWith("/manifest.json"));
    }
  }

  @Test
  void aMarkerNoLongerRefreshedIsStaleAndItsBackupIsALeftoverAgain() throws Exception {
    Path local = dir.resolve("store");
    Objects store = directory(local);
    Instant now = Instant.now();
    // a backup killed 20 minutes ago: its marker stopped being refreshed then
    store.put("app/20260101T000000Z/dump", "half");
    store.put("app/20260101T000000Z/running.json", "{}");
    for (String f : List.of("dump", "running.json")) {
      Files.setLastModifiedTime(
          local.resolve("app/20260101T000000Z/" + f),
          FileTime.from(now.minus(Duration.ofMinutes(20))));
    }
    // a backup running now, whose upload file has not grown for an hour (pg_dump waits on a lock)
    store.put("app/20260102T000000Z/.dump.123.partial", "x");
    Files.setLastModifiedTime(
        local.resolve("app/20260102T000000Z/.dump.123.partial"),
        FileTime.from(now.minus(Duration.ofHours(1))));
    store.put("app/20260102T000000Z/running.json", "{}");
    Fixture fx = new Fixture(dir).filesystem("local", local);
    Path config = fx.yaml("  retention:\n    leftover-age: 0s").write(db, "app");

    Result prune = fx.cli().run("--config", config.toString(), "prune", "--json");

    assertThat(prune.exitCode()).as(prune.toString()).isZero();
    assertThat(local.resolve("app/20260101T000000Z")).doesNotExist();
    assertThat(local.resolve("app/20260102T000000Z/.dump.123.partial")).exists();
    assertThat(local.resolve("app/20260102T000000Z/running.json")).exists();
    assertThat(json(prune).get("stores").get(0).get("leftAlone").toString())
        .contains("app/20260102T000000Z/running.json", "a backup in flight");
  }

  @Test
  void aListingThatLeavesOutAManifestStopsThePruneOfThatStoreAndDeletesNothing() throws Exception {
    s3.createBucket("cut-short");
    try (S3Client client = s3.client()) {
      Objects objects = bucket(client, "cut-short");
      Instant now = Instant.now();
      String older = backup(objects, now.minus(Duration.ofDays(3)), "nightly");
      objects.put("app/" + older + "/globals.sql.zst", "roles");
      String newer = backup(objects, now.minus(Duration.ofDays(1)), "nightly");
      TreeSet<String> before = objects.keys();
      try (ListingFilterProxy gateway =
          new ListingFilterProxy(
              s3.endpoint(),
              ListingFilterProxy.keysEndingWith("app/" + older + "/manifest.json"))) {
        Fixture fx = new Fixture(dir).s3("s3", s3, "cut-short", gateway.endpoint());
        Path config = fx.yaml("  retention:\n    leftover-age: 0s").write(db, "app");
        LifeboatCli cli = fx.cli();

        Result dry = cli.run("--config", config.toString(), "prune", "--dry-run", "--json");
        Result prune = cli.run("--config", config.toString(), "prune", "--json");

        assertThat(gateway.dropped()).as("the gateway really hid the manifest").isPositive();
        for (Result r : List.of(dry, prune)) {
          assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
          assertThat(r.stderr())
              .contains("store 's3' skipped")
              .contains("left out app/" + older + "/manifest.json, which a direct read found")
              .contains("nothing was deleted in this store");
          JsonNode store = json(r).get("stores").get(0);
          assertThat(store.get("status").asString()).isEqualTo("skipped");
        }
        assertThat(objects.keys())
            .as("every object of both backups is still there")
            .isEqualTo(before);
        assertThat(before).contains("app/" + newer + "/manifest.json");
      }
    }
  }

  @Test
  void aPinThatMissedAStoreIsPartialAndNoBackupIsDeletedWhileAStoreIsDown() throws Exception {
    S3ProxyServer a = S3ProxyServer.start();
    S3ProxyServer b = S3ProxyServer.start();
    try (S3Client ca = a.client();
        S3Client cb = b.client()) {
      a.createBucket("pins");
      b.createBucket("pins");
      Objects sa = bucket(ca, "pins");
      Objects sb = bucket(cb, "pins");
      Instant now = Instant.now();
      List<String> ids = new ArrayList<>();
      // the newest an hour old: older would trip the backups-failing guard, which deletes nothing
      for (int d = 3; d >= 0; d--) {
        Instant completed = now.minus(Duration.ofDays(d)).minus(Duration.ofHours(1));
        ids.add(backup(sa, completed, "nightly"));
        backup(sb, completed, "nightly");
      }
      String oldest = ids.get(0);
      Fixture fx = new Fixture(dir).s3("a", a, "pins").s3("b", b, "pins");
      Path config =
          fx.yaml(
                  "  retention:\n    keep-last: 1\n    keep-daily: 0\n    keep-weekly: 0\n"
                      + "    keep-monthly: 0\n    min-age: 0s")
              .write(db, "app");
      LifeboatCli cli = fx.cli();

      b.stop();
      Result pin = cli.run("--config", config.toString(), "pin", oldest, "--reason", "audit");
      assertThat(pin.exitCode()).as("a pin that missed store b is partial: " + pin).isEqualTo(3);
      assertThat(pin.stdout()).contains("pinned in store a");
      assertThat(pin.stderr()).contains("could not pin backup " + oldest + " in store 'b'");
      assertThat(sa.keys()).contains("app/" + oldest + "/pin.json");

      b.restart();
      a.stop();
      Result held = cli.run("--config", config.toString(), "prune", "--json");
      assertThat(held.exitCode()).as(held.toString()).isEqualTo(3);
      assertThat(held.stderr()).contains("store 'a' skipped");
      JsonNode storeB = json(held).get("stores").get(1);
      assertThat(storeB.get("store").asString()).isEqualTo("b");
      assertThat(list(storeB.get("deleted"))).isEmpty();
      assertThat(storeB.get("guard").asString())
          .contains("store 'a' could not be read", "no backup is deleted in any store");
      assertThat(sb.keys())
          .as("the backup pinned in store a is whole in b")
          .contains("app/" + oldest + "/dump", "app/" + oldest + "/manifest.json");

      a.restart();
      Result pruned = cli.run("--config", config.toString(), "prune", "--json");
      assertThat(pruned.exitCode()).as(pruned.toString()).isZero();
      for (Objects s : List.of(sa, sb)) {
        assertThat(s.keys())
            .as("the pin in store a holds in b too; the unpinned middle ones go")
            .contains("app/" + oldest + "/manifest.json", "app/" + ids.get(3) + "/manifest.json")
            .doesNotContain(
                "app/" + ids.get(1) + "/manifest.json", "app/" + ids.get(2) + "/manifest.json");
      }
    } finally {
      a.close();
      b.close();
    }
  }
}
