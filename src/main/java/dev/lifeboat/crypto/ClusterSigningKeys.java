package dev.lifeboat.crypto;

import dev.lifeboat.base.Jdbc;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.stereotype.Component;

/**
 * The manifest signing public keys of the hosts that share this control database ({@code
 * LIFEBOAT_SIGNING_KEYS}): each host records its own when it signs a backup, and every host trusts
 * the keys recorded here besides its own and {@code lifeboat.signing.trusted-keys}. Nodes of one
 * cluster then drill each other's backups without listing each other's keys. Only who can write the
 * control database can add a key: a leaked store credential cannot.
 */
@Component
public final class ClusterSigningKeys {

  /** A key as recorded: its fingerprint, its one-line public key, the node that recorded it. */
  public record Recorded(String fingerprint, String publicKey, String node) {}

  private final DataSource control;

  public ClusterSigningKeys(DataSource control) {
    this.control = control;
  }

  /** Records this host's key once; recording it again changes nothing. */
  public void record(String fingerprint, String publicKey, String node) throws SQLException {
    try (Connection c = control.getConnection()) {
      if (recorded(c, fingerprint)) {
        return;
      }
      try {
        Jdbc.update(
            c,
            "INSERT INTO LIFEBOAT_SIGNING_KEYS (FINGERPRINT, PUBLIC_KEY, NODE, RECORDED_AT)"
                + " VALUES (?, ?, ?, CURRENT_TIMESTAMP)",
            fingerprint,
            publicKey,
            node);
      } catch (SQLException e) {
        // another process recorded the same key at the same moment: it is there, as wanted
        if (recorded(c, fingerprint)) {
          return;
        }
        throw e;
      }
    }
  }

  /** Every key recorded, oldest first. */
  public List<Recorded> all() throws SQLException {
    try (Connection c = control.getConnection()) {
      return Jdbc.list(
          c,
          "SELECT FINGERPRINT, PUBLIC_KEY, NODE FROM LIFEBOAT_SIGNING_KEYS ORDER BY"
              + " RECORDED_AT, FINGERPRINT",
          rs -> new Recorded(rs.getString(1), rs.getString(2), rs.getString(3)));
    }
  }

  private static boolean recorded(Connection c, String fingerprint) throws SQLException {
    return Jdbc.exists(c, "SELECT 1 FROM LIFEBOAT_SIGNING_KEYS WHERE FINGERPRINT = ?", fingerprint);
  }
}
