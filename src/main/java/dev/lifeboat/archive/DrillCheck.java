package dev.lifeboat.archive;

import com.fasterxml.jackson.annotation.JsonCreator;
import dev.lifeboat.base.Word;

/** One thing a drill checked: {@code passed} or {@code failed}, with what was seen. */
public record DrillCheck(String name, Status status, String detail) {

  /** Whether the check held, written as its lower-case word. */
  public enum Status implements Word {
    PASSED,
    FAILED;

    @JsonCreator
    public static Status of(String word) {
      return Word.of(Status.class, word);
    }
  }

  public static DrillCheck passed(String name, String detail) {
    return new DrillCheck(name, Status.PASSED, detail);
  }

  public static DrillCheck failed(String name, String detail) {
    return new DrillCheck(name, Status.FAILED, detail);
  }

  public boolean ok() {
    return status == Status.PASSED;
  }
}
