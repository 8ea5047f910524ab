package dev.lifeboat.drill;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.lifeboat.archive.DrillCheck;
import java.util.List;
import java.util.Locale;

/**
 * What a drill found (CONTRACT §4, {@code drill --json}). {@code restoreSeconds} is the time from
 * the first byte read from a store to the end of pg_restore: the recovery time you would get today.
 */
public record DrillReport(
    Status status,
    String target,
    String backup,
    String database,
    boolean kept,
    String store,
    Double restoreSeconds,
    Double pgRestoreSeconds,
    List<DrillCheck> checks) {

  /** Whether the drill passed, written as its lower-case word. */
  public enum Status {
    PASSED,
    FAILED;

    @JsonValue
    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Status of(String word) {
      return valueOf(word.toUpperCase(Locale.ROOT));
    }
  }

  public boolean passed() {
    return status == Status.PASSED;
  }
}
