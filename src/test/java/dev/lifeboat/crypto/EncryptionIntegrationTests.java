package dev.lifeboat.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.base.Json;
import dev.lifeboat.pg.PgCatalog;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.ThrottledProxy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * age-encrypted backups through the real jar: what lies in the store, verify without secrets,
 * restore and drill with each identity, refusals that touch nothing, and a restore with the age and
 * zstd command-line tools alone.
 */
class EncryptionIntegrationTests {

  static final String SECRET_MARK = "AGE-SECRET-KEY";

  static PgConnection source;
  static Map<String, Long> sourceCounts;
  @TempDir static Path keys;
  static Key drillKey;
  static Key recoveryKey;
  static Key strangerKey;

  @TempDir Path dir;

  record Key(Path file, String secret, String recipient) {}

  @BeforeAll
  static void setUp() throws Exception {
    // the real tools, never skipped: .ci/run installs Debian's age and zstd
    for (String tool : List.of("/usr/bin/age", "/usr/bin/age-keygen")) {
      assertThat(Path.of(tool)).as("Debian package age (.ci/run installs it)").isExecutable();
    }
    source = PostgresServer.shared().createExampleDatabase("enc_src", 1);
    sourceCounts = counts(source);
    drillKey = keygen("drill");
    recoveryKey = keygen("recovery");
    strangerKey = keygen("stranger");
  }

  /** A key pair made by the real age-keygen. */
  static Key keygen(String name) throws Exception {
    Path file = keys.resolve(name + "-key.txt");
    Process p = new ProcessBuilder("age-keygen", "-o", file.toString()).start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    String secret = null;
    String recipient = null;
    for (String line : Files.readAllLines(file)) {
      if (line.startsWith("AGE-SECRET-KEY-")) {
        secret = line;
      } else if (line.startsWith("# public key: ")) {
        recipient = line.substring("# public key: ".length());
      }
    }
    assertThat(secret).isNotNull();
    assertThat(recipient).startsWith("age1");
    return new Key(file, secret, recipient);
  }

  /** A fixture backing up {@code source} to one filesystem store, encrypted to both keys. */
  private Fixture encrypted(String... identityLines) {
    try {
      Fixture fx = new Fixture(dir).filesystem("local", dir.resolve("store"));
      StringBuilder y =
          new StringBuilder(
              "  encryption:\n    recipients: [\""
                  + drillKey.recipient()
                  + "\", \""
                  + recoveryKey.recipient()
                  + "\"]\n");
      if (identityLines.length > 0) {
        y.append("    identities:\n");
        for (String line : identityLines) {
          y.append("      - \"").append(line).append("\"\n");
        }
      }
      fx.yaml(y.toString().stripTrailing());
      return fx;
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  private static Result run(LifeboatCli cli, Path config, String... args) {
    List<String> all = new ArrayList<>(List.of("--config", config.toString()));
    all.addAll(List.of(args));
    return cli.run(all.toArray(String[]::new));
  }

  private static String backup(LifeboatCli cli, Path config) {
    Result r = run(cli, config, "backup");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return r.stdout().trim();
  }

  @Test
  void anEncryptedBackupIsAnAgeFileThatVerifiesWithoutAnyIdentity() throws Exception {
    Fixture fx = encrypted();
    Path config = fx.write(source, "app");
    LifeboatCli cli = fx.cli();
    String id = backup(cli, config);

    byte[] stored = Files.readAllBytes(dir.resolve("store/app/" + id + "/dump"));
    assertThat(new String(stored, 0, 22, StandardCharsets.US_ASCII))
        .isEqualTo("age-encryption.org/v1\n");
    assertThat(indexOf(stored, "PGDMP".getBytes(StandardCharsets.US_ASCII))).isEqualTo(-1);
    assertThat(indexOf(stored, new byte[] {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD}))
        .as("no zstd frame magic in the clear")
        .isEqualTo(-1);
    JsonNode manifest =
        Json.mapper().readTree(dir.resolve("store/app/" + id + "/manifest.json").toFile());
    assertThat(manifest.get("format").asString()).isEqualTo("pg_dump-custom+zstd+age");
    assertThat(manifest.get("encryption").get("format").asString()).isEqualTo("age");
    assertThat(manifest.get("encryption").get("recipients").toString())
        .contains(drillKey.recipient(), recoveryKey.recipient());
    assertThat(manifest.get("sizeBytes").asLong()).isEqualTo(stored.length);
    // the cluster's roles beside the dump are encrypted to the same recipients
    String globalsKey = manifest.get("globals").get("key").asString();
    assertThat(globalsKey).isEqualTo("app/" + id + "/globals.sql.zst.age");
    byte[] globals = Files.readAllBytes(dir.resolve("store/" + globalsKey));
    assertThat(new String(globals, 0, 22, StandardCharsets.US_ASCII))
        .isEqualTo("age-encryption.org/v1\n");
    assertThat(indexOf(globals, new byte[] {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD})).isEqualTo(-1);
    assertThat(manifest.get("globals").get("sha256").asString())
        .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(globals)));
    assertThat(manifest.get("sha256").asString())
        .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(stored)));

    Result verify = run(cli, config, "verify", "latest");
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
    assertThat(verify.all()).contains("local: ok - SHA-256 and size match", "age-encrypted");

    Result deep = run(cli, config, "verify", "latest", "--deep");
    assertThat(deep.exitCode()).as(deep.toString()).isEqualTo(2);
    assertThat(deep.stderr())
        .contains("lifeboat.encryption.identities", drillKey.recipient(), "tried: none");

    Result listed = run(cli, config, "backups", "--json");
    assertThat(listed.exitCode()).as(listed.toString()).isZero();
    JsonNode row = Json.mapper().readTree(listed.stdout()).get(0);
    assertThat(row.get("recipients").toString())
        .contains(drillKey.recipient(), recoveryKey.recipient());
    Result human = run(cli, config, "backups");
    assertThat(human.stdout()).contains("ENCRYPTED TO", drillKey.recipient());
    assertNoSecretAnywhere(fx, verify, deep, listed, human);
  }

  @Test
  void eachIdentityAloneRestoresAndDrillsTheDatabaseExactly() throws Exception {
    Fixture byFile = encrypted(drillKey.file().toString());
    Path config = byFile.write(source, "app");
    LifeboatCli cli = byFile.cli();
    String id = backup(cli, config);

    String first = "enc_restored_" + System.nanoTime() % 1_000_000;
    Result restored = run(cli, config, "restore", id, "--into", first, "--yes");
    assertThat(restored.exitCode()).as(restored.toString()).isZero();
    assertThat(counts(source.withDatabase(first))).isEqualTo(sourceCounts);
    assertThat(contents(source.withDatabase(first))).isEqualTo(contents(source));

    Result deep = run(cli, config, "verify", id, "--deep");
    assertThat(deep.exitCode()).as(deep.toString()).isZero();
    assertThat(deep.all()).contains("decrypted and decompressed");

    Result drill = run(cli, config, "drill", "--backup", id, "--json");
    assertThat(drill.exitCode()).as(drill.toString()).isZero();
    assertThat(Json.mapper().readTree(drill.stdout()).get("status").asString()).isEqualTo("passed");

    // the recovery key alone, from the environment this time
    Fixture byEnv = encrypted("${RECOVERY_KEY}");
    Path envConfig = byEnv.write(source, "app");
    LifeboatCli envCli = byEnv.cli().env("RECOVERY_KEY", recoveryKey.secret());
    String second = "enc_recovered_" + System.nanoTime() % 1_000_000;
    Result recovered = run(envCli, envConfig, "restore", id, "--into", second, "--yes");
    assertThat(recovered.exitCode()).as(recovered.toString()).isZero();
    assertThat(counts(source.withDatabase(second))).isEqualTo(sourceCounts);
    assertThat(contents(source.withDatabase(second))).isEqualTo(contents(source));

    assertNoSecretAnywhere(byFile, restored, deep, drill, recovered);
    assertNoSecretAnywhere(byEnv);
  }

  @Test
  void withoutOrWithAWrongIdentityNothingIsTouched() throws Exception {
    Fixture fx = encrypted();
    Path config = fx.write(source, "app");
    LifeboatCli cli = fx.cli();
    String id = backup(cli, config);
    List<String> before = databases();
    String into = "enc_never_" + System.nanoTime() % 1_000_000;

    Result none = run(cli, config, "restore", id, "--into", into, "--yes");
    assertThat(none.exitCode()).as(none.toString()).isEqualTo(2);
    assertThat(none.stderr())
        .contains(
            "backup " + id + " is encrypted with age to",
            drillKey.recipient(),
            recoveryKey.recipient(),
            "tried: none",
            "nothing was touched");
    Result noneDrill = run(cli, config, "drill", "--backup", id);
    assertThat(noneDrill.exitCode()).as(noneDrill.toString()).isEqualTo(2);

    Fixture wrong = encrypted(strangerKey.file().toString(), "${STRANGER_KEY}");
    Path wrongConfig = wrong.write(source, "app");
    LifeboatCli wrongCli = wrong.cli().env("STRANGER_KEY", strangerKey.secret());
    Result wrongRestore = run(wrongCli, wrongConfig, "restore", id, "--into", into, "--yes");
    assertThat(wrongRestore.exitCode()).as(wrongRestore.toString()).isEqualTo(2);
    assertThat(wrongRestore.stderr())
        .contains(
            "none of the identities tried opens it",
            "lifeboat.encryption.identities[0] (file " + strangerKey.file() + ")",
            "lifeboat.encryption.identities[1] (${STRANGER_KEY})",
            drillKey.recipient());
    Result wrongDrill = run(wrongCli, wrongConfig, "drill", "--backup", id);
    assertThat(wrongDrill.exitCode()).as(wrongDrill.toString()).isEqualTo(2);
    assertThat(wrongDrill.stderr()).contains("none of the identities tried opens it");
    Result wrongDeep = run(wrongCli, wrongConfig, "verify", id, "--deep");
    assertThat(wrongDeep.exitCode()).as(wrongDeep.toString()).isEqualTo(2);

    assertThat(databases()).as("no database created, scratch or staging").isEqualTo(before);
    Path spool = fx.home.resolve("spool");
    if (Files.isDirectory(spool)) {
      try (Stream<Path> files = Files.list(spool)) {
        assertThat(files.toList()).isEmpty();
      }
    }
    assertNoSecretAnywhere(fx, none, noneDrill);
    assertNoSecretAnywhere(wrong, wrongRestore, wrongDrill, wrongDeep);
  }

  @Test
  void anIdentityFileOtherUsersMayReadIsRefusedBeforeAnythingIsTouchedAsSshRefusesAKey()
      throws Exception {
    // the drill key, copied the way cp and an editor leave it: readable by every user (0644)
    Path loose = dir.resolve("drill-key-copy.txt");
    Files.copy(drillKey.file(), loose);
    Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rw-r--r--"));
    Fixture fx = encrypted(loose.toString());
    Path config = fx.write(source, "app");
    LifeboatCli cli = fx.cli();
    String id = backup(cli, config);
    List<String> before = databases();
    String into = "enc_loose_" + System.nanoTime() % 1_000_000;

    Result refused = run(cli, config, "restore", id, "--into", into, "--yes");

    assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(2);
    assertThat(refused.stderr().strip())
        .isEqualTo(
            "lifeboat: lifeboat.encryption.identities[0]: the identity file "
                + loose
                + " is open to other users (mode 0644); Lifeboat does not use a secret key others"
                + " may read or replace, as ssh refuses an unprotected private key: run chmod 600 "
                + loose);
    assertThat(databases()).as("no database created, scratch or staging").isEqualTo(before);

    // the fix the message names is all it takes
    Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rw-------"));
    Result deep = run(cli, config, "verify", id, "--deep");
    assertThat(deep.exitCode()).as(deep.toString()).isZero();
    assertNoSecretAnywhere(fx, refused, deep);
  }

  @Test
  void theAgeAndZstdToolsAndPgRestoreAloneRestoreALifeboatBackup() throws Exception {
    Fixture fx = encrypted();
    Path config = fx.write(source, "app");
    String id = backup(fx.cli(), config);
    Path dump = dir.resolve("store/app/" + id + "/dump");
    String into = "enc_by_hand_" + System.nanoTime() % 1_000_000;
    PostgresServer.shared().cluster().createDatabase(into);
    PgConnection target = source.withDatabase(into);
    Path pgRestore = PostgresServer.shared().binaries().require("pg_restore", 0).path();

    // the runbook's commands, word for word but for the paths
    String script =
        "age -d -i \"$KEY\" \"$DUMP\" | zstd -d > \"$OUT\" && \"$PG_RESTORE\" --no-owner"
            + " -h \"$PGHOST\" -p \"$PGPORT\" -U \"$PGUSER\" -d \"$DB\" \"$OUT\"";
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true);
    pb.environment()
        .putAll(
            Map.of(
                "KEY", recoveryKey.file().toString(),
                "DUMP", dump.toString(),
                "OUT", dir.resolve("archive.dump").toString(),
                "PG_RESTORE", pgRestore.toString(),
                "PGHOST", source.host(),
                "PGPORT", String.valueOf(source.port()),
                "PGUSER", source.user(),
                "PGPASSWORD", source.password() == null ? "" : source.password(),
                "DB", into));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(counts(target)).isEqualTo(sourceCounts);
    assertThat(contents(target)).isEqualTo(contents(source));
  }

  @Test
  void badRecipientsRequiredStoresAndManifestDetailsAreHonoured() throws Exception {
    Fixture bad =
        new Fixture(dir.resolve("bad"))
            .filesystem("local", dir.resolve("bad-store"))
            .yaml("  encryption:\n    recipients: [\"age1notakey\"]");
    Path badConfig = bad.write(source, "app");
    Result refused = run(bad.cli(), badConfig, "backup");
    assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(2);
    assertThat(refused.stderr()).contains("lifeboat.encryption.recipients[0]", "age1notakey");
    assertThat(Files.exists(dir.resolve("bad-store/app"))).isFalse();
    // refused at start with the rest of the configuration, before the control database is made
    assertThat(bad.home.resolve("control")).doesNotExist();

    // a secret key pasted where a public key belongs is refused without being echoed
    Fixture pasted =
        new Fixture(dir.resolve("pasted2"))
            .filesystem("local", dir.resolve("pasted-store"))
            .yaml("  encryption:\n    recipients: [\"" + strangerKey.secret() + "\"]");
    Path pastedConfig = pasted.write(source, "app");
    Result pastedRun = run(pasted.cli(), pastedConfig, "backup");
    assertThat(pastedRun.exitCode()).as(pastedRun.toString()).isEqualTo(2);
    assertThat(pastedRun.stderr()).contains("lifeboat.encryption.recipients[0]", "secret key");
    assertThat(pastedRun.all()).doesNotContain(SECRET_MARK);

    Fixture required =
        new Fixture(dir.resolve("required"))
            .yaml(
                "    vault: { type: filesystem, path: \""
                    + dir.resolve("vault")
                    + "\", encryption: required }");
    Path requiredConfig = required.write(source, "app");
    Result noRecipients = run(required.cli(), requiredConfig, "backup");
    assertThat(noRecipients.exitCode()).as(noRecipients.toString()).isEqualTo(2);
    assertThat(noRecipients.stderr())
        .contains("lifeboat.stores.vault.encryption", "requires encrypted backups");
    assertThat(Files.exists(dir.resolve("vault/app"))).as("nothing stored").isFalse();

    Fixture quiet =
        new Fixture(dir.resolve("quiet"))
            .filesystem("local", dir.resolve("quiet-store"))
            .yaml(
                "  encryption:\n    recipients: [\""
                    + drillKey.recipient()
                    + "\"]\n    manifest-details: false");
    Path quietConfig = quiet.write(source, "app");
    String id = backup(quiet.cli(), quietConfig);
    JsonNode manifest =
        Json.mapper().readTree(dir.resolve("quiet-store/app/" + id + "/manifest.json").toFile());
    assertThat(manifest.get("tables").size()).isZero();
    assertThat(manifest.get("rls") == null || manifest.get("rls").isNull()).isTrue();
    String text = Files.readString(dir.resolve("quiet-store/app/" + id + "/manifest.json"));
    assertThat(text).doesNotContain("accounts");
  }

  @Test
  void s3ServerSideEncryptionHeadersAreSentBesideAge() throws Exception {
    S3ProxyServer s3 = S3ProxyServer.shared("a");
    String bucket = "sse-" + System.nanoTime() % 1_000_000;
    s3.createBucket(bucket);
    try (ThrottledProxy wire = new ThrottledProxy(s3.endpoint(), Integer.MAX_VALUE)) {
      Fixture fx = encrypted(drillKey.file().toString()).s3("plain-s3", s3, bucket);
      fx.env.put("SSE_KEY", s3.accessKey());
      fx.env.put("SSE_SECRET", s3.secretKey());
      String common =
          "type: s3, endpoint: \""
              + wire.endpoint()
              + "\", bucket: "
              + bucket
              + ", path-style: true, part-size: 5MB,"
              + " access-key: \"${SSE_KEY}\", secret-key: \"${SSE_SECRET}\", encryption: required";
      fx.stores.put("aes", "{ " + common + ", prefix: aes/, server-side-encryption: AES256 }");
      fx.stores.put(
          "kms",
          "{ "
              + common
              + ", prefix: kms/, server-side-encryption: aws:kms, kms-key-id: alias/lifeboat }");
      Path config = fx.write(source, "app");
      LifeboatCli cli = fx.cli();
      Result backup = run(cli, config, "backup");

      // what s3proxy can show: the signed headers go out with the upload, and a store that does
      // not do server-side encryption (s3proxy: 501) fails loudly instead of storing in clear
      assertThat(backup.exitCode()).as(backup.toString()).isEqualTo(3);
      assertThat(backup.stderr())
          .contains("local: ok", "plain-s3: ok", "aes: failed", "kms: failed")
          .contains("Server-side encryption is not supported");
      assertThat(wire.sentHeaders("x-amz-server-side-encryption"))
          .anyMatch(h -> h.endsWith("AES256"))
          .anyMatch(h -> h.endsWith("aws:kms"));
      assertThat(wire.sentHeaders("x-amz-server-side-encryption-aws-kms-key-id"))
          .isNotEmpty()
          .allMatch(h -> h.endsWith("alias/lifeboat"));
      String id = backup.stdout().trim();
      Result verify = run(cli, config, "verify", id, "--store", "plain-s3", "--deep");
      assertThat(verify.exitCode()).as(verify.toString()).isZero();
      assertThat(verify.all()).contains("decrypted and decompressed");
      assertNoSecretAnywhere(fx, backup, verify);
    }

    Fixture kmsWithoutSse =
        new Fixture(dir.resolve("kms"))
            .yaml(
                "    remote: { type: s3, endpoint: \""
                    + s3.endpoint()
                    + "\", bucket: b, access-key: k, secret-key: s, kms-key-id: alias/x }");
    Path kmsConfig = kmsWithoutSse.write(source, "app");
    Result refused = run(kmsWithoutSse.cli(), kmsConfig, "backups");
    assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(2);
    assertThat(refused.stderr()).contains("lifeboat.stores.remote.kms-key-id");
  }

  /** No identity in any output, nor in any file Lifeboat wrote under its home. */
  private static void assertNoSecretAnywhere(Fixture fx, Result... results) throws IOException {
    for (Result r : results) {
      assertThat(r.all()).doesNotContain(SECRET_MARK);
    }
    byte[] mark = SECRET_MARK.getBytes(StandardCharsets.US_ASCII);
    try (Stream<Path> files = Files.walk(fx.home)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertThat(indexOf(Files.readAllBytes(f), mark)).as(f.toString()).isEqualTo(-1);
      }
    }
  }

  static int indexOf(byte[] data, byte[] needle) {
    outer:
    for (int i = 0; i <= data.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (data[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  static Map<String, Long> counts(PgConnection db) throws Exception {
    try (Connection c = db.open()) {
      return PgCatalog.rowCounts(c);
    }
  }

  /** Every row of every user table, in a stable order: what "exactly" means here. */
  static Map<String, List<String>> contents(PgConnection db) throws Exception {
    Map<String, List<String>> result = new java.util.TreeMap<>();
    try (Connection c = db.open();
        Statement st = c.createStatement()) {
      List<String> tables = new ArrayList<>();
      try (ResultSet rs =
          st.executeQuery(
              "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables"
                  + " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      for (String t : tables) {
        List<String> rows = new ArrayList<>();
        try (ResultSet rs = st.executeQuery("SELECT t::text FROM " + t + " t ORDER BY 1")) {
          while (rs.next()) {
            rows.add(rs.getString(1));
          }
        }
        result.put(t, rows);
      }
    }
    return result;
  }

  static List<String> databases() throws Exception {
    List<String> names = new ArrayList<>();
    try (Connection c = source.withDatabase("postgres").open();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT datname FROM pg_database ORDER BY 1")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }
}
