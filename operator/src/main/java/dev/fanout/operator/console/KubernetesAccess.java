package dev.fanout.operator.console;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code FANOUT_CONSOLE_AUTH=kubernetes}: the bearer token checked with a TokenReview, each
 * namespace with a SubjectAccessReview on {@code jobs.fanout.dev}, as the API server itself would
 * decide. Answers are kept {@link #TTL} (keyed by a hash of the token, never the token), so a page
 * polling or a burst of requests costs one review; a revoked right takes effect within that time.
 */
final class KubernetesAccess implements Access {
  private static final Logger log = LoggerFactory.getLogger(KubernetesAccess.class);
  static final Duration TTL = Duration.ofSeconds(10);
  private static final int MAX_ENTRIES = 10_000;

  private final KubernetesClient client;
  private final Clock clock;
  private final Map<String, Cached<User>> users = new ConcurrentHashMap<>();
  private final Map<String, Cached<Boolean>> decisions = new ConcurrentHashMap<>();

  private record Cached<T>(T value, long expiresAt) {}

  KubernetesAccess(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  @Override
  public User authenticate(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new ApiError(
          401, "a Kubernetes bearer token is required: Authorization: Bearer <token>");
    }
    String token = authorization.substring(7).strip();
    if (token.isEmpty()) {
      throw new ApiError(401, "the bearer token is empty");
    }
    String key = hash(token);
    User user = cached(users, key, k -> review(token, k));
    if (user.name() == null) {
      throw new ApiError(401, "the token was not accepted by the Kubernetes API server");
    }
    return user;
  }

  private User review(String token, String key) {
    TokenReview review = new TokenReviewBuilder().withNewSpec().withToken(token).endSpec().build();
    TokenReview answer;
    try {
      answer = client.authentication().v1().tokenReviews().create(review);
    } catch (KubernetesClientException e) {
      // Not cached: the next request asks again.
      log.warn("Cannot review a console token: {}", e.getMessage());
      throw new ApiError(503, "cannot check the token with the Kubernetes API server");
    }
    if (answer.getStatus() == null || !Boolean.TRUE.equals(answer.getStatus().getAuthenticated())) {
      // Cached too, so a client repeating a bad token does not cost a review each time.
      return new User(null, null, List.of(), Map.of(), null, key);
    }
    UserInfo info = answer.getStatus().getUser();
    return new User(
        info.getUsername(),
        info.getUid(),
        info.getGroups() == null ? List.of() : List.copyOf(info.getGroups()),
        info.getExtra() == null ? Map.of() : Map.copyOf(info.getExtra()),
        token,
        key);
  }

  @Override
  public boolean may(User user, String verb, String namespace) {
    String key = user.key() + " " + verb + " " + (namespace == null ? "*" : namespace);
    return cached(decisions, key, k -> accessReview(user, verb, namespace));
  }

  private boolean accessReview(User user, String verb, String namespace) {
    SubjectAccessReview review =
        new SubjectAccessReviewBuilder()
            .withNewSpec()
            .withUser(user.name())
            .withUid(user.uid())
            .withGroups(user.groups())
            .withExtra(user.extra())
            .withNewResourceAttributes()
            .withGroup("fanout.dev")
            .withResource("jobs")
            .withVerb(verb)
            .withNamespace(namespace)
            .endResourceAttributes()
            .endSpec()
            .build();
    try {
      SubjectAccessReview answer = client.authorization().v1().subjectAccessReview().create(review);
      return answer.getStatus() != null && Boolean.TRUE.equals(answer.getStatus().getAllowed());
    } catch (KubernetesClientException e) {
      log.warn("Cannot review the console access of {}: {}", user.name(), e.getMessage());
      throw new ApiError(503, "cannot check permissions with the Kubernetes API server");
    }
  }

  private <T> T cached(Map<String, Cached<T>> cache, String key, Function<String, T> load) {
    long now = clock.millis();
    Cached<T> hit = cache.get(key);
    if (hit != null && hit.expiresAt() > now) {
      return hit.value();
    }
    T value = load.apply(key);
    if (cache.size() >= MAX_ENTRIES) {
      cache.values().removeIf(c -> c.expiresAt() <= now);
      if (cache.size() >= MAX_ENTRIES) {
        cache.clear();
      }
    }
    cache.put(key, new Cached<>(value, now + TTL.toMillis()));
    return value;
  }

  static String hash(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
