package dev.lifeboat.wal;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.lifeboat.base.Word;
import dev.lifeboat.catalog.BaseBackupCatalog;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.Result;
import java.util.List;
import java.util.Locale;

/**
 * How a base backup ended (plan §4.1): per store {@code complete} (its data, manifest and every WAL
 * segment from start to stop are there), {@code waiting-for-wal} (data and manifest are there, its
 * WAL not yet: it becomes complete by itself when the WAL arrives) or {@code failed}. The outcome
 * is success when every store is complete, partial when some are, failed when none is.
 */
public record BaseBackupResult(
    String id,
    String target,
    String label,
    Outcome outcome,
    BaseBackupCatalog.Manifest manifest,
    List<StoreOutcome> stores,
    String error)
    implements Result {

  public BaseBackupResult {
    stores = stores == null ? List.of() : List.copyOf(stores);
  }

  /** How one store holds the base backup. */
  public record StoreOutcome(String store, Status status, String detail) {

    /** Written as {@code complete}, {@code waiting-for-wal}, {@code failed}. */
    public enum Status implements Word {
      COMPLETE,
      WAITING_FOR_WAL,
      FAILED;

      @JsonValue
      @Override
      public String word() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
      }

      @JsonCreator
      public static Status of(String word) {
        return Word.of(Status.class, word.replace('-', '_'));
      }
    }
  }

  /** SUCCESS when every store is complete, PARTIAL when some are, FAILED when none is. */
  static Outcome outcomeOf(List<StoreOutcome> stores) {
    long complete = stores.stream().filter(s -> s.status() == StoreOutcome.Status.COMPLETE).count();
    return complete == 0
        ? Outcome.FAILED
        : complete == stores.size() ? Outcome.SUCCESS : Outcome.PARTIAL;
  }

  /** The scheduler's log line: the id, its size, and each store's state. */
  @Override
  public String summary() {
    return manifest == null
        ? id
        : id
            + ", "
            + manifest.sizeBytes()
            + " bytes, "
            + manifest.startLsn()
            + " to "
            + manifest.stopLsn()
            + ", stores "
            + stores.stream().map(s -> s.store() + " " + s.status().word()).toList();
  }
}
