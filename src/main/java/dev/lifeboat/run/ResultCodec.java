package dev.lifeboat.run;

import dev.lifeboat.base.Json;
import java.util.Optional;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * A result in the job's execution context and back: a JSON string under {@code result} (never a
 * Java object, whose class name would be serialised with it and break on the next rename). Runs
 * recorded before the door kept theirs under {@code report} (drill, prune, verify); both are read.
 * Fields a later version adds are ignored, so a newer record never makes an older one unreadable.
 */
final class ResultCodec {

  static final String RESULT = "result";
  static final String LEGACY_REPORT = "report";

  private ResultCodec() {}

  static void put(ExecutionContext context, Result result) {
    context.putString(RESULT, Json.write(result));
  }

  static <R> Optional<R> read(ExecutionContext context, Class<R> type) {
    String key = context.containsKey(RESULT) ? RESULT : LEGACY_REPORT;
    String json = context.containsKey(key) ? context.getString(key) : null;
    return json == null
        ? Optional.empty()
        : Optional.of(RequestCodec.READER.forType(type).readValue(json));
  }
}
