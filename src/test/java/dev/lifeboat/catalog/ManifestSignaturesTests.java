package dev.lifeboat.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.config.Node;
import dev.lifeboat.crypto.ClusterSigningKeys;
import dev.lifeboat.crypto.Keys;
import dev.lifeboat.crypto.SigningKey;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.StoreFactory;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Signing manifests and judging their signatures, against two filesystem stores. */
class ManifestSignaturesTests {

  static final String ID = "20261206T020000Z";

  @TempDir Path dir;

  LifeboatConfig config;
  ManifestSignatures signatures;
  Target target;

  ClusterSigningKeys cluster;

  @BeforeEach
  void twoStores() throws Exception {
    config = config(Map.of());
    cluster = new ClusterSigningKeys(controlDatabase());
    signatures = signatures(config);
    target = targets(config).resolve("app");
  }

  /** An embedded control database holding the signing-key table, as its migration makes it. */
  static javax.sql.DataSource controlDatabase() throws Exception {
    org.h2.jdbcx.JdbcDataSource ds = new org.h2.jdbcx.JdbcDataSource();
    ds.setURL("jdbc:h2:mem:keys-" + java.util.UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    try (java.sql.Connection c = ds.getConnection();
        java.sql.Statement st = c.createStatement()) {
      st.execute(
          new String(
              ManifestSignaturesTests.class
                  .getResourceAsStream("/db/control/h2/V4__lifeboat_signing_keys.sql")
                  .readAllBytes(),
              java.nio.charset.StandardCharsets.UTF_8));
    }
    return ds;
  }

  private ManifestSignatures signatures(LifeboatConfig c) {
    return new ManifestSignatures(c, targets(c), new Keys(c), cluster, new Node(c.properties()));
  }

  /** The stores of every configuration here are the same two directories: opened once. */
  private final StoreFactory stores = new StoreFactory();

  private Targets targets(LifeboatConfig c) {
    return new Targets(c, stores);
  }

  private LifeboatConfig config(Map<String, String> more) {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("lifeboat.home", dir.resolve("home").toString());
    all.put("lifeboat.targets.app.url", "jdbc:postgresql://db.internal/app");
    all.put("lifeboat.targets.app.username", "backup");
    all.put("lifeboat.stores.a.type", "filesystem");
    all.put("lifeboat.stores.a.path", dir.resolve("a").toString());
    all.put("lifeboat.stores.b.type", "filesystem");
    all.put("lifeboat.stores.b.path", dir.resolve("b").toString());
    all.putAll(more);
    return new LifeboatConfig(
        new Binder(new MapConfigurationPropertySource(all))
            .bindOrCreate("lifeboat", LifeboatProperties.class));
  }

  static Manifest manifest(String id, String label) {
    return new Manifest(
        id,
        "app",
        label,
        Instant.parse("2026-12-06T02:00:00Z"),
        Instant.parse("2026-12-06T02:01:00Z"),
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
        new Manifest.Globals("app/" + id + "/globals.sql.zst", 5, "cd".repeat(32)));
  }

  /** Stores {@code m} in {@code store}, signed by {@code key} (no signature when null). */
  private void store(String store, Manifest m, SigningKey key) {
    BackupStore s = targets(config).store(store);
    byte[] json = Manifests.write(m);
    String manifestKey = Manifest.manifestKey("app", m.id());
    if (key != null) {
      s.put(Manifest.signatureKey("app", m.id()), ManifestSignatures.sign(key, manifestKey, json));
    }
    s.put(manifestKey, json);
  }

  private BackupCatalog.Entry listed(Manifest m, String... stores) {
    return new BackupCatalog.Entry(m, List.of(stores));
  }

  @Test
  void theFirstBackupMakesThisHostsKeyAndItsOwnSignaturesAreTrustedWithoutSetUp() throws Exception {
    SigningKey key = signatures.signingKey();
    Path file = dir.resolve("home/keys/signing.key");
    assertThat(key.file()).isEqualTo(file.toAbsolutePath());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(signatures.signingKey().fingerprint()).isEqualTo(key.fingerprint());

    Manifest m = manifest(ID, "nightly");
    store("a", m, key);
    store("b", m, key);
    ManifestSignatures.Verdict v = signatures.require(target, listed(m, "a", "b"), false);

    assertThat(v.status()).isEqualTo(ManifestSignatures.Status.SIGNED);
    assertThat(v.store()).isEqualTo("a");
    assertThat(v.describe())
        .isEqualTo(
            "signed by this host's signing key ("
                + file.toAbsolutePath()
                + ") "
                + key.fingerprint());
  }

  @Test
  void anOlderManifestSignedWithAnEmptyLabelStillVerifiesAndListsNoLabel() {
    SigningKey key = signatures.signingKey();
    // what Lifeboat wrote for a backup without a label before the door: "label": ""
    byte[] json = Manifests.write(manifest(ID, ""));
    assertThat(new String(json, StandardCharsets.UTF_8)).contains("\"label\" : \"\"");
    String manifestKey = Manifest.manifestKey("app", ID);
    BackupStore a = targets(config).store("a");
    a.put(Manifest.signatureKey("app", ID), ManifestSignatures.sign(key, manifestKey, json));
    a.put(manifestKey, json);
    Manifest listed = Manifests.read(json);

    assertThat(listed.label()).isNull();
    assertThat(signatures.require(target, listed(listed, "a"), false).status())
        .isEqualTo(ManifestSignatures.Status.SIGNED);
  }

  @Test
  void theSignedMessageIsTheFormatTheManifestsKeyAndItsExactBytes() {
    byte[] json = "{\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8);
    assertThat(
            new String(
                ManifestSignatures.message("app/" + ID + "/manifest.json", json),
                StandardCharsets.UTF_8))
        .isEqualTo("lifeboat-manifest-signature-v1\napp/" + ID + "/manifest.json\n{\"id\":\"x\"}");
  }

  @Test
  void anUnsignedBackupIsRefusedNamingItWhyAndTheFlagAndTheFlagLetsItThrough() {
    signatures.signingKey();
    Manifest m = manifest(ID, "old");
    store("a", m, null);

    assertThatThrownBy(() -> signatures.require(target, listed(m, "a"), false))
        .isInstanceOf(UnsignedBackupException.class)
        .satisfies(e -> assertThat(((UnsignedBackupException) e).exitCode()).isEqualTo(2))
        .hasMessageStartingWith(
            "backup "
                + ID
                + " of target 'app' is not signed (store 'a' holds no manifest.sig beside its"
                + " manifest)")
        .hasMessageContaining("--allow-unsigned")
        .hasMessageContaining("A refused unsigned backup")
        .hasMessageEndingWith("nothing was touched");
    ManifestSignatures.Verdict allowed = signatures.require(target, listed(m, "a"), true);
    assertThat(allowed.status()).isEqualTo(ManifestSignatures.Status.UNSIGNED);
    assertThat(allowed.signed()).isFalse();
  }

  @Test
  void aBackupAnotherHostOfTheClusterSignedIsTrustedOnceThatHostRecordedItsKey() throws Exception {
    SigningKey other = SigningKey.create("k", dir.resolve("other/signing.key"));
    Manifest m = manifest(ID, "node-b");
    store("a", m, other);
    assertThat(signatures.require(target, listed(m, "a"), true).status())
        .isEqualTo(ManifestSignatures.Status.UNTRUSTED);

    // the other host signs a backup of its own: its key goes into the shared control database
    LifeboatConfig otherHost =
        config(Map.of("lifeboat.signing.key", other.file().toString(), "lifeboat.node", "node-b"));
    signatures(otherHost).signingKey();

    ManifestSignatures.Verdict v = signatures.require(target, listed(m, "a"), false);
    assertThat(v.status()).isEqualTo(ManifestSignatures.Status.SIGNED);
    assertThat(v.describe())
        .isEqualTo(
            "signed by node node-b's signing key (recorded in the control database) "
                + other.fingerprint());
    // recording the same key again (every backup of that host) changes nothing
    signatures(otherHost).signingKey();
    assertThat(cluster.all()).hasSize(1);
  }

  @Test
  void aBackupSignedByAKeyNotTrustedHereIsRefusedUntilItsPublicKeyIsConfigured() {
    signatures.signingKey();
    SigningKey other = SigningKey.create("k", dir.resolve("other/signing.key"));
    Manifest m = manifest(ID, "elsewhere");
    store("a", m, other);

    assertThatThrownBy(() -> signatures.require(target, listed(m, "a"), false))
        .isInstanceOf(UnsignedBackupException.class)
        .hasMessageContaining("is signed by key " + other.fingerprint())
        .hasMessageContaining("which is not trusted here")
        .hasMessageContaining("lifeboat.signing.trusted-keys");
    assertThat(signatures.require(target, listed(m, "a"), true).status())
        .isEqualTo(ManifestSignatures.Status.UNTRUSTED);

    config = config(Map.of("lifeboat.signing.trusted-keys[0]", other.publicKeyText()));
    ManifestSignatures trusting = signatures(config);
    ManifestSignatures.Verdict v = trusting.require(target, listed(m, "a"), false);
    assertThat(v.describe())
        .isEqualTo("signed by lifeboat.signing.trusted-keys[0] " + other.fingerprint());
  }

  @Test
  void aManifestChangedAfterSigningIsRefusedEvenWithTheFlag() {
    SigningKey key = signatures.signingKey();
    Manifest signed = manifest(ID, "nightly");
    store("a", signed, key);
    // the signed bytes replaced (a forged dump's SHA-256, say), the signature kept
    Manifest forged = manifest(ID, "forged");
    targets(config).store("a").put(Manifest.manifestKey("app", ID), Manifests.write(forged));

    for (boolean allowUnsigned : new boolean[] {false, true}) {
      assertThatThrownBy(() -> signatures.require(target, listed(forged, "a"), allowUnsigned))
          .isInstanceOf(UnsignedBackupException.class)
          .hasMessageContaining("has a signature that does not match")
          .hasMessageContaining("trusted key " + key.fingerprint())
          .hasMessageContaining("do not use it");
    }
  }

  @Test
  void aSignatureMovedBesideAnotherBackupDoesNotSignIt() {
    SigningKey key = signatures.signingKey();
    Manifest first = manifest(ID, "nightly");
    store("a", first, key);
    Manifest second = manifest("20261207T020000Z", "nightly");
    store("a", second, null);
    BackupStore a = targets(config).store("a");
    a.put(
        Manifest.signatureKey("app", second.id()),
        readAll(a, Manifest.signatureKey("app", first.id())));

    assertThat(signatures.check(target, listed(second, "a")).status())
        .isEqualTo(ManifestSignatures.Status.INVALID);
  }

  @Test
  void aTrustedSignatureOverAnotherCopyThanTheOneListedDoesNotCount() {
    SigningKey key = signatures.signingKey();
    Manifest real = manifest(ID, "nightly");
    Manifest listed = manifest(ID, "listed");
    store("a", real, key);

    assertThat(signatures.check(target, listed(listed, "a")).describe())
        .contains("is not the manifest listed");
  }

  @Test
  void anySignedCopyDecidesAndOtherwiseTheWorstCopyIsReported() {
    SigningKey key = signatures.signingKey();
    Manifest m = manifest(ID, "nightly");
    store("a", m, null);
    store("b", m, key);
    assertThat(signatures.check(target, listed(m, "a", "b")).store()).isEqualTo("b");

    // a: unsigned; b: a trusted key's signature that does not match: tampering is what is said
    targets(config)
        .store("b")
        .put(Manifest.manifestKey("app", ID), Manifests.write(manifest(ID, "x")));
    Manifest tampered = manifest(ID, "x");
    store("a", tampered, null);
    assertThat(signatures.check(target, listed(tampered, "a", "b")).status())
        .isEqualTo(ManifestSignatures.Status.INVALID);
  }

  @Test
  void aSignatureObjectThatIsNotOneIsInvalid() {
    signatures.signingKey();
    Manifest m = manifest(ID, "nightly");
    store("a", m, null);
    targets(config)
        .store("a")
        .put(Manifest.signatureKey("app", ID), "{}".getBytes(StandardCharsets.UTF_8));

    assertThat(signatures.check(target, listed(m, "a")).describe())
        .startsWith("SIGNATURE DOES NOT MATCH: its manifest.sig in store 'a' is not a signature");
  }

  private static byte[] readAll(BackupStore store, String key) {
    try (var in = store.open(key)) {
      return in.readAllBytes();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
