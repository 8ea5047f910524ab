package dev.lifeboat.cli;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UrlPathHelper;

/**
 * On serve's port only {@code /actuator/health} and {@code /actuator/prometheus} answer; every
 * other path is 404. Spring Boot's error controller is mapped at {@code /error} so that the server
 * can forward failed requests to it, and asked directly it answered 500 with an error body. A
 * request for that path (any method, or below it) now gets the same 404 as every unknown path; the
 * forwards of real errors (ERROR dispatches, which this filter skips) still reach it.
 */
@Component
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
final class ErrorPathFilter extends OncePerRequestFilter {

  private final String errorPath;

  ErrorPathFilter(@Value("${server.error.path:/error}") String errorPath) {
    this.errorPath =
        errorPath.endsWith("/") ? errorPath.substring(0, errorPath.length() - 1) : errorPath;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    // decoded and without ;parameters, as the dispatcher matches it
    String path = UrlPathHelper.defaultInstance.getPathWithinApplication(request);
    if (path.equals(errorPath) || path.startsWith(errorPath + "/")) {
      response.sendError(HttpServletResponse.SC_NOT_FOUND);
      return;
    }
    chain.doFilter(request, response);
  }
}
