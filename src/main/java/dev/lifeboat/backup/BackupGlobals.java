package dev.lifeboat.backup;

import com.github.luben.zstd.Zstd;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties.TargetProperties;
import dev.lifeboat.crypto.Age;
import dev.lifeboat.crypto.Keys;
import dev.lifeboat.pg.PgBinaries;
import dev.lifeboat.pg.PgDumpAll;
import dev.lifeboat.pg.PgErrors;
import dev.lifeboat.pg.PgTool;
import dev.lifeboat.pg.ProcessRunner;
import dev.lifeboat.target.Target;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The backup's {@code globals} step: the cluster's roles ({@code pg_dumpall --globals-only}, role
 * passwords only with {@code targets.<t>.backup.role-passwords: true}) stored beside the dump,
 * zstd-compressed, and listed in the manifest with its size and SHA-256, so a restore onto a
 * brand-new server can create the roles the archive names. It runs before the dump, whose manifest
 * names it and stores it beside itself.
 */
@Component
final class BackupGlobals {

  static final Duration TIMEOUT = Duration.ofMinutes(5);

  private final LifeboatConfig config;
  private final PgBinaries pgBinaries;
  private final Keys keys;
  private final PgDumpAll pgDumpAll;

  @Autowired
  BackupGlobals(LifeboatConfig config, PgBinaries pgBinaries, Keys keys) {
    this(config, pgBinaries, keys, new PgDumpAll(ProcessRunner.system()));
  }

  BackupGlobals(LifeboatConfig config, PgBinaries pgBinaries, Keys keys, PgDumpAll pgDumpAll) {
    this.config = config;
    this.pgBinaries = pgBinaries;
    this.keys = keys;
    this.pgDumpAll = pgDumpAll;
  }

  /** Key of the globals object of backup {@code id} of {@code target}. */
  static String key(String target, String id) {
    return target + "/" + id + "/globals.sql.zst";
  }

  /** Globals taken, not yet stored: the object's bytes and what the manifest says of them. */
  record Taken(Manifest.Globals globals, byte[] bytes) {}

  /**
   * Takes the globals of the target's server; the dump stores them in each store just before that
   * store's manifest, so a failed backup leaves nothing behind.
   */
  Taken take(Target target, String id) {
    int major;
    try (Connection c = target.connection().open();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT current_setting('server_version_num')::int")) {
      rs.next();
      major = PgBinaries.serverMajor(rs.getInt(1));
    } catch (SQLException e) {
      throw new BackupException(
          "cannot read the server version of target '"
              + target.name()
              + "': "
              + PgErrors.firstLine(e.getMessage()));
    }
    PgTool tool = pgBinaries.require("pg_dumpall", major);
    String sql =
        pgDumpAll.globals(tool, target.connection(), rolePasswords(target.name()), TIMEOUT);
    byte[] stored = Zstd.compress(sql.getBytes(StandardCharsets.UTF_8), 3);
    List<String> recipients = keys.forTarget(target.name()).recipients();
    String key = key(target.name(), id);
    if (!recipients.isEmpty()) {
      // roles (and, when asked, their password hashes) are as secret as the dump: same recipients
      java.io.ByteArrayOutputStream encrypted = new java.io.ByteArrayOutputStream();
      try (java.io.OutputStream out = Age.wrap(encrypted, recipients)) {
        out.write(stored);
      } catch (java.io.IOException e) {
        throw new BackupException("encrypting the globals failed: " + e.getMessage(), e);
      }
      stored = encrypted.toByteArray();
      key = key + ".age";
    }
    return new Taken(new Manifest.Globals(key, stored.length, sha256(stored)), stored);
  }

  private boolean rolePasswords(String target) {
    TargetProperties t = config.properties().targets().get(target);
    return t != null && t.backup() != null && t.backup().rolePasswords();
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
