package dev.lifeboat.run;

import java.util.Locale;

/** Who started a run: a person or script on the command line, or a schedule of {@code serve}. */
public enum Trigger {
  CLI,
  SCHEDULE;

  /** The job parameter that records it (not identifying). */
  public static final String PARAMETER = "trigger";

  /** The job parameter that records the node (host) that ran it (not identifying). */
  public static final String NODE = "node";

  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The trigger a job parameter names; runs recorded before it existed were typed. */
  public static Trigger of(String word) {
    return word == null ? CLI : valueOf(word.toUpperCase(Locale.ROOT));
  }
}
