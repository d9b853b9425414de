package dev.fanout.operator.console;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.fanout.api.Job;
import dev.fanout.operator.db.TaskPages;
import dev.fanout.operator.db.TaskState;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's HTTP server: the JSON task API under {@code /api/v1/} and the page's static files
 * from the classpath folder {@code console/}. Every request is untrusted: bodies are bounded,
 * errors are JSON with a message and never a stack trace, and nothing a request does can stop the
 * operator.
 */
public final class ConsoleServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConsoleServer.class);
  static final int MAX_BODY = 1 << 20;
  static final int THROUGHPUT_POINTS = 200;

  private final HttpServer server;
  private final ExecutorService executor;
  private final JobCache jobs;
  private final JobWatch watch = new JobWatch();
  private final TaskPages pages;
  private final Access access;
  private final JobSubmission submission;
  private final StaticFiles files = new StaticFiles("console");
  private final KubernetesSerialization json;
  private final Replies replies;

  private ConsoleServer(
      HttpServer server,
      KubernetesClient client,
      List<String> namespaces,
      TaskPages pages,
      ConsoleAuth auth) {
    this.server = server;
    this.pages = pages;
    this.json = client.getKubernetesSerialization();
    this.replies = new Replies(json);
    this.access =
        auth == ConsoleAuth.NONE ? Access.OPEN : new KubernetesAccess(client, Clock.systemUTC());
    this.submission = new JobSubmission(client, auth);
    this.jobs = new JobCache(client, namespaces, this::changed);
    // A thread per request, virtual: a watch holds one for as long as the page is open.
    this.executor =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("console-", 0).factory());
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /**
   * Serves the console on {@code port} (0: any free port): on every interface with Kubernetes auth,
   * on 127.0.0.1 only without.
   *
   * @param namespaces the operator's watched namespaces; empty: all
   */
  public static ConsoleServer start(
      int port, ConsoleAuth auth, KubernetesClient client, List<String> namespaces, TaskPages pages)
      throws IOException {
    InetSocketAddress address =
        auth == ConsoleAuth.NONE
            ? new InetSocketAddress(InetAddress.getLoopbackAddress(), port)
            : new InetSocketAddress(port);
    HttpServer server = HttpServer.create(address, 64);
    try {
      ConsoleServer console = new ConsoleServer(server, client, namespaces, pages, auth);
      log.info(
          "Serving the console and its API on {} ({} auth)",
          server.getAddress(),
          auth.name().toLowerCase(java.util.Locale.ROOT));
      return console;
    } catch (RuntimeException e) {
      server.stop(0);
      throw e;
    }
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  private void changed(Job job, boolean deleted) {
    String key = job.getMetadata().getNamespace() + "/" + job.getMetadata().getName();
    try {
      watch.publish(key, event(job, deleted));
    } catch (RuntimeException e) {
      log.warn("Cannot pass on a change of Job {} to the console: {}", key, e.toString());
    }
  }

  private JobWatch.Event event(Job job, boolean deleted) {
    Map<String, Object> item = JobViews.item(job);
    if (deleted) {
      Map<String, Object> gone = new LinkedHashMap<>();
      gone.put("namespace", item.get("namespace"));
      gone.put("name", item.get("name"));
      gone.put("uid", item.get("uid"));
      item = gone;
    }
    return new JobWatch.Event(
        job.getMetadata().getNamespace(), deleted ? "deleted" : "job", json.asJson(item));
  }

  private void handle(HttpExchange exchange) {
    try {
      String path = exchange.getRequestURI().getPath();
      if (path.startsWith("/api/")) {
        api(exchange, path);
      } else {
        files.serve(exchange, path);
      }
    } catch (ApiError e) {
      replies.error(exchange, e.status(), e.getMessage());
    } catch (RuntimeException | IOException e) {
      log.warn(
          "Console request {} {} failed: {}",
          exchange.getRequestMethod(),
          exchange.getRequestURI().getPath(),
          e.toString());
      replies.error(exchange, 500, "internal error; see the operator's log");
    } finally {
      // After the catches: a try-with-resources would close the exchange before they answer.
      exchange.close();
    }
  }

  private void api(HttpExchange exchange, String path) throws IOException {
    List<String> parts = List.of(path.substring(1).split("/", -1));
    String method = exchange.getRequestMethod();
    // api, v1, ...
    if (parts.size() < 3 || !parts.get(1).equals("v1")) {
      throw new ApiError(404, "no such API path: " + path);
    }
    List<String> rest = parts.subList(2, parts.size());
    if (rest.equals(List.of("jobs"))) {
      requireMethod(method, "GET");
      listJobs(exchange);
    } else if (rest.equals(List.of("watch"))) {
      requireMethod(method, "GET");
      watch(exchange);
    } else if (rest.size() >= 3 && rest.get(0).equals("namespaces") && rest.get(2).equals("jobs")) {
      String ns = name(rest.get(1), "namespace");
      if (rest.size() == 3) {
        requireMethod(method, "POST");
        submit(exchange, ns);
      } else if (rest.size() == 4) {
        requireMethod(method, "GET");
        jobDetail(exchange, ns, name(rest.get(3), "Job name"));
      } else if (rest.size() == 5 && rest.get(4).equals("tasks")) {
        requireMethod(method, "GET");
        tasks(exchange, ns, name(rest.get(3), "Job name"));
      } else {
        throw new ApiError(404, "no such API path: " + path);
      }
    } else {
      throw new ApiError(404, "no such API path: " + path);
    }
  }

  private void listJobs(HttpExchange exchange) throws IOException {
    Access.User user = access.authenticate(authorization(exchange));
    Map<String, String> query = Query.parse(exchange.getRequestURI().getRawQuery());
    String namespace = query.get("namespace");
    List<Job> all = jobs.all();
    List<Map<String, Object>> items;
    if (namespace != null) {
      name(namespace, "namespace");
      requireList(user, namespace);
      items =
          all.stream()
              .filter(j -> namespace.equals(j.getMetadata().getNamespace()))
              .map(JobViews::item)
              .toList();
    } else {
      NamespaceFilter visible = new NamespaceFilter(access, user);
      items =
          all.stream()
              .filter(j -> visible.test(j.getMetadata().getNamespace()))
              .map(JobViews::item)
              .toList();
    }
    replies.json(exchange, 200, Map.of("items", items));
  }

  private void jobDetail(HttpExchange exchange, String ns, String name) throws IOException {
    Access.User user = access.authenticate(authorization(exchange));
    requireList(user, ns);
    Optional<Job> live = jobs.get(ns, name);
    if (live.isPresent()) {
      Job job = live.get();
      List<long[]> throughput = pages.throughput(job.getMetadata().getUid(), THROUGHPUT_POINTS);
      replies.json(exchange, 200, JobViews.detail(job, throughput));
      return;
    }
    TaskPages.JobHistory history =
        pages.newest(ns, name).orElseThrow(() -> new ApiError(404, "no Job " + ns + "/" + name));
    replies.json(
        exchange,
        200,
        JobViews.history(
            history,
            pages.counts(history.uid()),
            pages.throughput(history.uid(), THROUGHPUT_POINTS)));
  }

  private void tasks(HttpExchange exchange, String ns, String name) throws IOException {
    Access.User user = access.authenticate(authorization(exchange));
    Map<String, String> query = Query.parse(exchange.getRequestURI().getRawQuery());
    TaskState state = query.containsKey("state") ? JobViews.parseState(query.get("state")) : null;
    int after = Query.integer(query, "after", -1, -1, Integer.MAX_VALUE);
    int limit = Query.integer(query, "limit", 100, 1, TaskPages.MAX_LIMIT);
    requireList(user, ns);
    String uid =
        jobs.get(ns, name)
            .map(j -> j.getMetadata().getUid())
            .or(() -> pages.newest(ns, name).map(TaskPages.JobHistory::uid))
            .orElseThrow(() -> new ApiError(404, "no Job " + ns + "/" + name));
    TaskPages.Page page = pages.page(uid, after, state, limit);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("items", page.items().stream().map(JobViews::task).toList());
    body.put("next", page.next());
    replies.json(exchange, 200, body);
  }

  private void watch(HttpExchange exchange) throws IOException {
    Access.User user = access.authenticate(authorization(exchange));
    NamespaceFilter visible = new NamespaceFilter(access, user);
    Map<String, JobWatch.Event> snapshot = new LinkedHashMap<>();
    for (Job job : jobs.all()) {
      snapshot.put(
          job.getMetadata().getNamespace() + "/" + job.getMetadata().getName(), event(job, false));
    }
    watch.serve(exchange, snapshot, visible::test, JobWatch.HEARTBEAT);
  }

  private void submit(HttpExchange exchange, String ns) throws IOException {
    Access.User user = access.authenticate(authorization(exchange));
    byte[] body = Replies.readBody(exchange, MAX_BODY);
    Job job = submission.parse(ns, body);
    Job created = submission.create(job, user);
    log.info(
        "Job {}/{} submitted through the console by {}", ns, created.getMetadata().getName(), user);
    replies.json(exchange, 201, created);
  }

  /** 403 unless the user may list Fanout Jobs in the namespace. */
  private void requireList(Access.User user, String namespace) {
    if (!access.may(user, "list", namespace)) {
      throw new ApiError(
          403,
          "user \""
              + user.name()
              + "\" may not list jobs.fanout.dev in the namespace \""
              + namespace
              + "\"");
    }
  }

  /** A namespace or Job name from the path or a parameter: a DNS subdomain, else 400. */
  private static String name(String value, String what) {
    if (value.isEmpty()
        || value.length() > 253
        || !value.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
      throw new ApiError(
          400, "the " + what + " \"" + Query.printable(value) + "\" is not a valid name");
    }
    return value;
  }

  private static void requireMethod(String method, String allowed) {
    if (!method.equals(allowed)) {
      throw new ApiError(405, method + " is not allowed here; use " + allowed);
    }
  }

  private static String authorization(HttpExchange exchange) {
    return exchange.getRequestHeaders().getFirst("Authorization");
  }

  @Override
  public void close() {
    watch.close();
    jobs.close();
    server.stop(1);
    executor.shutdownNow();
  }
}
