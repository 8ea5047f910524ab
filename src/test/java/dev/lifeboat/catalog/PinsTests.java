package dev.lifeboat.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.catalog.BaseBackupCatalog.Manifest;
import dev.lifeboat.catalog.BaseBackupCatalog.Manifest.WalRange;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.config.Node;
import dev.lifeboat.crypto.SigningKey;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.StoreFactory;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** {@code pin} and {@code unpin} of a base-backup id, on a real filesystem store. */
class PinsTests {

  private static final String ID = "20261207T150000Z";
  private static final Instant NOW = Instant.parse("2026-12-07T16:00:00Z");

  @TempDir Path dir;

  @Test
  void aBaseBackupIsPinnedBesideItsManifestAndUnpinnedAndAnUnknownIdIsNotFound() {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("lifeboat.home", dir.resolve("home").toString());
    all.put("lifeboat.node", "node-1");
    all.put("lifeboat.targets.app.url", "jdbc:postgresql://127.0.0.1:5432/app");
    all.put("lifeboat.targets.app.username", "backup");
    all.put("lifeboat.stores.local.type", "filesystem");
    all.put("lifeboat.stores.local.path", dir.resolve("store").toString());
    LifeboatProperties properties =
        new Binder(new MapConfigurationPropertySource(all))
            .bindOrCreate("lifeboat", LifeboatProperties.class);
    LifeboatConfig config = new LifeboatConfig(properties);
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    try (StoreFactory factory = new StoreFactory()) {
      Targets targets = new Targets(config, factory);
      Target app = targets.resolve("app");
      BackupStore store = targets.stores(app).get(0);
      // its WAL is not in the store: a base backup waiting for it can be pinned all the same
      BaseBackupCatalog.publish(
          store,
          manifest(),
          SigningKey.create("lifeboat.signing.key-file", dir.resolve("keys/signing.pem")));
      Pins pins =
          new Pins(
              config,
              targets,
              new BackupCatalog(config, targets, clock),
              clock,
              new Node(properties));
      String key = BaseBackupCatalog.folder("app", ID) + Pin.FILE;

      Pins.Result pinned = pins.pin(app, ID, "audit");

      assertThat(pinned.pinned()).isTrue();
      assertThat(pinned.stores()).containsExactly("local");
      assertThat(new String(ManifestSignatures.read(store, key), StandardCharsets.UTF_8))
          .contains("\"backup\" : \"" + ID + "\"", "\"reason\" : \"audit\"");

      Pins.Result unpinned = pins.unpin(app, ID);

      assertThat(unpinned.stores()).containsExactly("local");
      assertThat(store.stat(key)).isEmpty();
      assertThatThrownBy(() -> pins.pin(app, "20261207T150001Z", null))
          .isInstanceOf(BackupNotFoundException.class);
      assertThat(store.list("app.wal/")).noneMatch(o -> o.key().endsWith(Pin.FILE));
    }
  }

  private static Manifest manifest() {
    String start = "0/200028";
    String stop = "0/300100";
    return new Manifest(
        ID,
        "app",
        null,
        Manifest.KIND,
        NOW.minusSeconds(3600),
        NOW.minusSeconds(3000),
        Manifest.FORMAT,
        3,
        "ab".repeat(32),
        99999,
        "7716579398738843286",
        1024L * 1024,
        1,
        start,
        start,
        1,
        stop,
        "x",
        "y",
        List.of(new WalRange(1, start, stop)),
        "15.18",
        "15.18",
        "test",
        null,
        false);
  }
}
