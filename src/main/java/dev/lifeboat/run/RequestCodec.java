package dev.lifeboat.run;

import dev.lifeboat.base.Json;
import dev.lifeboat.config.ConfigException;
import java.time.Instant;
import java.util.Map;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.SerializationFeature;

/**
 * A request as job parameters and back: {@code target} and the verb's identifying set identify the
 * run, the request itself travels as one JSON parameter beside {@code trigger} and {@code node}
 * (history reads those three, of old runs too).
 */
final class RequestCodec {

  static final String TARGET = "target";
  static final String STARTED_AT = "startedAt";
  static final String REQUEST = "request";
  static final String TICKET = "ticket";
  static final String BACKUP = "backup";

  /** {@code BATCH_JOB_EXECUTION_PARAMS.PARAMETER_VALUE VARCHAR(2500)} in the control schema. */
  static final int MAX_PARAMETER = 2500;

  private static final ObjectWriter WRITER =
      Json.mapper().writer().without(SerializationFeature.INDENT_OUTPUT);

  /** Reads what a run stored: a field an older or later version lacks or dropped is no error. */
  static final ObjectReader READER =
      Json.mapper()
          .reader()
          .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .without(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  private RequestCodec() {}

  static <Q extends Request<?>> JobParameters encode(
      Verb<Q, ?> verb, Q request, Instant startedAt, Trigger trigger, String node, String ticket) {
    String json = WRITER.writeValueAsString(request);
    if (json.length() > MAX_PARAMETER) {
      throw new ConfigException(
          verb.name().word(),
          "the request is "
              + json.length()
              + " characters long; a run records at most "
              + MAX_PARAMETER
              + ": shorten its free text (a label)");
    }
    JobParametersBuilder p = new JobParametersBuilder().addString(TARGET, request.target());
    for (Map.Entry<String, String> e : verb.identifying(request, startedAt).entrySet()) {
      p.addString(e.getKey(), e.getValue());
    }
    if (request.backup() != null) {
      p.addString(BACKUP, request.backup(), false);
    }
    return p.addString(REQUEST, json, false)
        .addString(Trigger.PARAMETER, trigger.word(), false)
        .addString(Trigger.NODE, node, false)
        .addString(TICKET, ticket, false)
        .toJobParameters();
  }

  static <Q> Q decode(JobParameters parameters, Class<Q> type) {
    String json = parameters.getString(REQUEST);
    if (json == null) {
      throw new IllegalStateException("the run has no request parameter");
    }
    return READER.forType(type).readValue(json);
  }
}
