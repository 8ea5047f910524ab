package dev.lifeboat.wal;

import dev.lifeboat.base.Word;
import java.util.Locale;

/**
 * Where one target's WAL receiver is, in the words of its log lines, {@code wal status} and the
 * metrics (plan 2.3).
 */
enum ReceiverState implements Word {
  /** Another node streams this target ("streamed by node n2"). */
  STANDBY,
  STARTING,
  STREAMING,
  /** Restarting after an error, after a pause that doubles up to a minute. */
  BACKOFF,
  /** Paused: the spool is full of WAL no store holds yet; the slot keeps it on the server. */
  SPOOL_FULL,
  /** The server is not the cluster (or timeline) the stores hold: nothing is written. */
  REFUSED,
  /** Streaming again, but WAL was lost: a new base backup starts a new chain. */
  CHAIN_BROKEN,
  STOPPING,
  STOPPED;

  @Override
  public String word() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  static ReceiverState of(String word) {
    return valueOf(word.toUpperCase(Locale.ROOT).replace('-', '_'));
  }
}
