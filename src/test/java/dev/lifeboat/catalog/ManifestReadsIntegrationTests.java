package dev.lifeboat.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.ChecksumMode;
import dev.lifeboat.store.S3StoreSettings;
import dev.lifeboat.store.StoreException;
import dev.lifeboat.store.StoredObject;
import dev.lifeboat.testing.S3ProxyServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many manifests read at once from a real s3proxy, and the local cache that spares reading them
 * again: used while the store lists the object unchanged, never once it changed.
 */
class ManifestReadsIntegrationTests {

  private static final String BUCKET = "manifest-reads";
  private static final Instant NOW = Instant.parse("2026-11-25T03:00:00Z");

  private static S3ProxyServer server;

  @TempDir Path home;

  private BackupStore store;

  @BeforeAll
  static void startServer() {
    server = S3ProxyServer.shared("manifest-reads");
    server.createBucket(BUCKET);
  }

  @BeforeEach
  void newStore() {
    store = BackupStore.s3(settings(server, "s3a", "run-" + UUID.randomUUID() + "/lifeboat/"));
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  private static S3StoreSettings settings(S3ProxyServer server, String name, String prefix) {
    return new S3StoreSettings(
        name,
        server.endpoint(),
        server.region(),
        BUCKET,
        prefix,
        true,
        server.accessKey(),
        server.secretKey(),
        ChecksumMode.WHEN_REQUIRED,
        S3StoreSettings.MIN_PART_SIZE_BYTES,
        null,
        null,
        null);
  }

  private static String id(int i) {
    return String.format("20261101T%02d%02d00Z", i / 60, i % 60);
  }

  private static Manifest manifest(String id, String label) {
    return new Manifest(
        id,
        "app",
        label,
        Instant.parse("2026-11-01T00:00:00Z"),
        Instant.parse("2026-11-01T00:01:00Z"),
        Manifest.FORMAT,
        10,
        "ab".repeat(32),
        20,
        "app",
        "15.1",
        "15.1",
        "test",
        Map.of("public.accounts", 42L),
        Map.of(),
        false,
        null,
        null);
  }

  private void put(int i, String label) {
    store.put(Manifest.manifestKey("app", id(i)), Manifests.write(manifest(id(i), label)));
  }

  private ManifestReads.Result read() {
    return ManifestReads.read(store, "app", store.list("app/"), NOW, ManifestReads.cacheRoot(home));
  }

  private List<Path> cached() throws Exception {
    Path root = ManifestReads.cacheRoot(home);
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    List<Path> stores;
    try (Stream<Path> dirs = Files.list(root)) {
      stores = dirs.filter(d -> d.getFileName().toString().startsWith("s3a-")).toList();
    }
    assertThat(stores).hasSizeLessThanOrEqualTo(1);
    Path dir = stores.isEmpty() ? root.resolve("none") : stores.get(0).resolve("app");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    }
  }

  @Test
  void everyManifestIsReadOnceAndThenComesFromTheCacheWhileTheStoreListsItUnchanged()
      throws Exception {
    for (int i = 0; i < 60; i++) {
      put(i, "nightly");
    }
    store.put("app/" + id(0) + "/dump", new byte[] {1, 2, 3}); // not a manifest: ignored

    ManifestReads.Result first = read();

    assertThat(first.manifests()).hasSize(60);
    assertThat(first.invalid()).isEmpty();
    assertThat(first.manifests().get(id(7)).label()).isEqualTo("nightly");
    assertThat(cached()).hasSize(60);

    // a cache entry that says something else proves the second read takes it from the cache
    Path entry =
        cached().stream()
            .filter(p -> p.getFileName().toString().startsWith(id(7) + "."))
            .findFirst()
            .orElseThrow();
    Files.write(entry, Manifests.write(manifest(id(7), "from-the-cache")));

    assertThat(read().manifests().get(id(7)).label()).isEqualTo("from-the-cache");
  }

  @Test
  void aManifestRewrittenInTheStoreIsReadAgainNotTakenFromTheCache() throws Exception {
    put(1, "nightly");
    read();

    put(1, "rewritten"); // same key, new content: a new ETag (and a new size)

    assertThat(read().manifests().get(id(1)).label()).isEqualTo("rewritten");
  }

  @Test
  void aDamagedCacheEntryIsReadFromTheStoreAndReplaced() throws Exception {
    put(1, "nightly");
    read();
    Path entry = cached().get(0);
    Files.writeString(entry, "{ not json");

    assertThat(read().manifests().get(id(1)).label()).isEqualTo("nightly");
    assertThat(Manifests.read(Files.readAllBytes(entry)).label()).isEqualTo("nightly");
  }

  @Test
  void cachedManifestsOfBackupsNoLongerListedAreDropped() throws Exception {
    put(1, "nightly");
    put(2, "nightly");
    read();
    assertThat(cached()).hasSize(2);

    store.delete(List.of(Manifest.manifestKey("app", id(1))));
    ManifestReads.Result after = read();

    assertThat(after.manifests()).containsOnlyKeys(id(2));
    assertThat(cached())
        .singleElement()
        .satisfies(p -> assertThat(p.getFileName().toString()).startsWith(id(2) + "."));
  }

  @Test
  void aManifestThatCannotBeTrustedIsNamedAndNeverCached() throws Exception {
    put(1, "nightly");
    store.put(Manifest.manifestKey("app", id(2)), "{ broken".getBytes(StandardCharsets.UTF_8));
    store.put(
        Manifest.manifestKey("app", id(3)),
        Manifests.write(manifest(id(4), "nightly"))); // says another id

    ManifestReads.Result result = read();

    assertThat(result.manifests()).containsOnlyKeys(id(1));
    assertThat(result.invalid()).containsOnlyKeys(id(2), id(3));
    assertThat(result.invalid().get(id(3))).contains("lies under id '" + id(3) + "'");
    assertThat(cached()).hasSize(1);
  }

  @Test
  void aManifestDeletedBetweenTheListingAndTheReadIsNeitherListedNorAnError() {
    put(1, "nightly");
    put(2, "nightly");
    List<StoredObject> listing = store.list("app/");
    store.delete(List.of(Manifest.manifestKey("app", id(2)))); // a prune elsewhere

    ManifestReads.Result result =
        ManifestReads.read(store, "app", listing, NOW, ManifestReads.cacheRoot(home));

    assertThat(result.manifests()).containsOnlyKeys(id(1));
    assertThat(result.invalid()).isEmpty();
  }

  @Test
  void aStoreThatStopsAnsweringWhileManifestsAreReadFailsTheWholeStore() {
    S3ProxyServer own = S3ProxyServer.start();
    try {
      own.createBucket(BUCKET);
      BackupStore down = BackupStore.s3(settings(own, "down", "lifeboat/"));
      down.put(Manifest.manifestKey("app", id(1)), Manifests.write(manifest(id(1), "nightly")));
      List<StoredObject> listing = down.list("app/");
      own.stop();

      assertThatThrownBy(
              () -> ManifestReads.read(down, "app", listing, NOW, ManifestReads.cacheRoot(home)))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("down");
      down.close();
    } finally {
      own.close();
    }
  }

  @Test
  void aStoreOfTheSameNameElsewhereHasACacheOfItsOwn() throws Exception {
    put(1, "nightly");
    read();
    BackupStore other =
        BackupStore.s3(settings(server, "s3a", "run-" + UUID.randomUUID() + "/lifeboat/"));
    try {
      // an empty store of the same name (another bucket prefix) lists nothing ...
      ManifestReads.read(other, "app", other.list("app/"), NOW, ManifestReads.cacheRoot(home));
    } finally {
      other.close();
    }
    // ... and leaves the first store's entries alone (it dropped them when keyed by name alone)
    assertThat(cached()).hasSize(1);
  }

  @Test
  void aFilesystemStoreIsReadWithoutACacheItsReadsAreLocalAlready() throws Exception {
    BackupStore fs = BackupStore.filesystem("fs", home.resolve("store"));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      fs.put(Manifest.manifestKey("app", id(i)), Manifests.write(manifest(id(i), "nightly")));
      ids.add(id(i));
    }

    ManifestReads.Result result =
        ManifestReads.read(fs, "app", fs.list("app/"), NOW, ManifestReads.cacheRoot(home));

    assertThat(result.manifests().keySet()).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(Files.exists(ManifestReads.cacheRoot(home).resolve("fs"))).isFalse();
  }
}
