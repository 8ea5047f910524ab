package dev.lifeboat.pg;

import dev.lifeboat.base.LifeboatException;
import dev.lifeboat.base.Word;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Lifeboat's physical replication slot on a target server (issue 21, plan §2.5): created with its
 * WAL reserved at once, read, moved forward only by Lifeboat (to the WAL a store holds), dropped. A
 * role with {@code LOGIN REPLICATION} and no superuser can do all of it. LSNs are PostgreSQL's text
 * form ({@code 0/5000028}). A refusal is a {@link SlotException} naming the slot, the target and
 * what to do.
 */
public final class ReplicationSlots {

  private static final String READ =
      "SELECT restart_lsn::text, wal_status, safe_wal_size, active,"
          + " pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint"
          + " FROM pg_replication_slots WHERE slot_name = ? AND slot_type = 'physical'";

  // GREATEST: the slot never moves back, whatever the caller asks (backwards is an ERROR anyway);
  // the call in the select list runs only for the row the WHERE keeps
  private static final String ADVANCE =
      "SELECT (pg_replication_slot_advance(slot_name, GREATEST(?::pg_lsn, restart_lsn))).end_lsn"
          + "::text FROM pg_replication_slots WHERE slot_name = ? AND slot_type = 'physical'";

  private final Connection connection;
  private final String target;

  /**
   * Slots on the server {@code connection} reaches (any database of it), for target {@code target}
   * (named in messages). The connection stays the caller's.
   */
  public ReplicationSlots(Connection connection, String target) {
    this.connection = connection;
    this.target = target;
  }

  /** The physical slot {@code slot} as the server sees it now; empty when there is none. */
  public Optional<Slot> read(String slot) {
    try (PreparedStatement ps = connection.prepareStatement(READ)) {
      ps.setString(1, slot);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        long safe = rs.getLong(3);
        Long safeWalSize = rs.wasNull() ? null : safe;
        long retained = rs.getLong(5);
        Long retainedBytes = rs.wasNull() ? null : retained;
        String restart = rs.getString(1);
        return Optional.of(
            new Slot(
                slot,
                restart == null ? null : Lsn.parse(restart),
                WalStatus.of(rs.getString(2)),
                safeWalSize,
                rs.getBoolean(4),
                retainedBytes));
      }
    } catch (SQLException e) {
      throw SlotRefusal.of(e, "read", slot, target);
    }
  }

  /**
   * Creates physical slot {@code slot} reserving WAL from now on; false when it exists already (it
   * is left as it is, wherever it stands).
   */
  public boolean createIfMissing(String slot) {
    if (read(slot).isPresent()) {
      return false;
    }
    try (PreparedStatement ps =
        connection.prepareStatement("SELECT pg_create_physical_replication_slot(?, true)")) {
      ps.setString(1, slot);
      ps.executeQuery().close();
      return true;
    } catch (SQLException e) {
      if (SlotRefusal.DUPLICATE.equals(e.getSQLState())) {
        // another node created it between our read and our create: the same outcome
        return false;
      }
      throw SlotRefusal.of(e, "create", slot, target);
    }
  }

  /**
   * Moves {@code slot} forward to {@code lsn}, never back (an older {@code lsn} leaves it where it
   * is); the server clamps it to what it has flushed. Returns where the slot now stands.
   *
   * @throws SlotException {@link Reason#MISSING} when there is no such slot, {@link Reason#LOST}
   *     when its WAL was removed, {@link Reason#IN_USE} while a client streams from it
   */
  public Lsn advance(String slot, Lsn lsn) {
    try (PreparedStatement ps = connection.prepareStatement(ADVANCE)) {
      ps.setString(1, lsn.toString());
      ps.setString(2, slot);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw SlotRefusal.missing("advance", slot, target, "to " + lsn);
        }
        return Lsn.parse(rs.getString(1));
      }
    } catch (SQLException e) {
      throw SlotRefusal.of(e, "advance", slot, target, "to " + lsn);
    }
  }

  /**
   * Drops {@code slot} and frees the WAL it held.
   *
   * @throws SlotException {@link Reason#MISSING} when there is no such slot, {@link Reason#IN_USE}
   *     while a client streams from it
   */
  public void drop(String slot) {
    try (PreparedStatement ps = connection.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
      ps.setString(1, slot);
      ps.executeQuery().close();
    } catch (SQLException e) {
      throw SlotRefusal.of(e, "drop", slot, target);
    }
  }

  /**
   * A physical slot as {@code pg_replication_slots} shows it.
   *
   * @param restartLsn the oldest WAL the slot holds; null when it holds none (lost)
   * @param safeWalSize bytes that may still be written before the slot is in danger of losing its
   *     WAL; null when {@code max_slot_wal_keep_size} is unlimited (or the slot is lost)
   * @param active whether a client streams from it now (Lifeboat's own slot is inactive by design)
   * @param retainedBytes WAL the server keeps for it, from {@code restartLsn} to the current
   *     position; null when it holds none
   */
  public record Slot(
      String name,
      Lsn restartLsn,
      WalStatus walStatus,
      Long safeWalSize,
      boolean active,
      Long retainedBytes) {}

  /** {@code pg_replication_slots.wal_status}. */
  public enum WalStatus implements Word {
    /** Its WAL is within {@code max_wal_size}. */
    RESERVED,
    /** Beyond {@code max_wal_size}, kept for the slot. */
    EXTENDED,
    /** Beyond {@code max_slot_wal_keep_size}: removed at the next checkpoint. */
    UNRESERVED,
    /** Its WAL was removed: the slot is of no use any more. */
    LOST,
    /** The slot holds no WAL (created without reserving any). */
    NONE;

    static WalStatus of(String serverWord) {
      return serverWord == null ? NONE : Word.of(WalStatus.class, serverWord);
    }
  }

  /** Why the server refused an operation on a slot. */
  public enum Reason implements Word {
    /** The role lacks REPLICATION (or the server allows no slots). */
    NOT_ALLOWED,
    /** No physical slot of that name. */
    MISSING,
    /** A client streams from it: it cannot be moved or dropped now. */
    IN_USE,
    /** It holds no WAL any more: invalidated, or never reserved. */
    LOST,
    /** Anything else; the message holds the server's words. */
    FAILED
  }

  /** The server refused an operation on a slot; one sentence naming slot, target and the fix. */
  public static final class SlotException extends LifeboatException {

    private final Reason reason;

    SlotException(Reason reason, String message, Throwable cause) {
      super(message, cause);
      this.reason = reason;
    }

    public Reason reason() {
      return reason;
    }

    @Override
    public int exitCode() {
      return FAILED;
    }
  }
}
