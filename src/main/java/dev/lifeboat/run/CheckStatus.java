package dev.lifeboat.run;

import java.util.Locale;

/** How a doctor's check came out: ok, a warning (exit 0 still) or a failure (exit 1). */
public enum CheckStatus {
  OK("✓"),
  WARN("!"),
  FAIL("✗");

  private final String mark;

  CheckStatus(String mark) {
    this.mark = mark;
  }

  /** The one-character mark of the human table. */
  public String mark() {
    return mark;
  }

  /** The word of {@code version --json}. */
  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The worse of two. */
  public CheckStatus and(CheckStatus other) {
    return other.ordinal() > ordinal() ? other : this;
  }
}
