package dev.lifeboat.base;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * An enum that is written as its lower-case name: in {@code --json}, history and reports ({@code
 * success}, {@code failed}); read back in any case.
 */
public interface Word {

  /** The constant's name, as every enum has it. */
  String name();

  /** The lower-case name. */
  @JsonValue
  default String word() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The constant of {@code type} that {@code word} names, in any case. */
  static <E extends Enum<E> & Word> E of(Class<E> type, String word) {
    return Enum.valueOf(type, word.toUpperCase(Locale.ROOT));
  }
}
