package dev.lifeboat.run;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;

/**
 * The verbs by name: the word a command, a schedule, a Spring Batch job and the history use, and
 * the noun its events ({@code notify}) carry.
 */
public enum VerbName {
  BACKUP("backup", true),
  VERIFY("verify", true),
  /** Typed (or composed by another verb) only: a restore replaces data, no schedule does that. */
  RESTORE("restore", false),
  DRILL("drill", true),
  PRUNE("prune", true),
  MIGRATE("migrate", "migration", true),
  /** Typed only: a data migration is run by name, not by schedule. */
  DATA_MIGRATE("data-migrate", "data-migration", false),
  /** A physical base backup (pg_basebackup) whose WAL the receiver archives (issue 21). */
  BASEBACKUP("basebackup", true);

  private final String word;
  private final String noun;
  private final boolean schedulable;

  VerbName(String word, boolean schedulable) {
    this(word, word, schedulable);
  }

  VerbName(String word, String noun, boolean schedulable) {
    this.word = word;
    this.noun = noun;
    this.schedulable = schedulable;
  }

  /** The verb as typed, scheduled and recorded as the job's name: {@code data-migrate}. */
  @JsonValue
  public String word() {
    return word;
  }

  /** The verb's noun in event names: {@code migration-failed}, {@code backup-partial}. */
  public String noun() {
    return noun;
  }

  /**
   * Whether {@code lifeboat.schedules} may name it (its verb has a {@link Verb#scheduled} request).
   */
  public boolean schedulable() {
    return schedulable;
  }

  /** Whether {@code word} (a job name from the job repository, say) names this verb. */
  public boolean is(String word) {
    return this.word.equals(word);
  }

  /** The verb named {@code word}, or null for a word that names none (a job of another kind). */
  @JsonCreator
  public static VerbName of(String word) {
    return Arrays.stream(values()).filter(v -> v.is(word)).findFirst().orElse(null);
  }

  /** The words of the verbs a schedule may name. */
  public static List<String> schedulableWords() {
    return Arrays.stream(values()).filter(VerbName::schedulable).map(VerbName::word).toList();
  }
}
