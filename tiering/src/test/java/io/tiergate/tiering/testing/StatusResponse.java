package io.tiergate.tiering.testing;

import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** An empty HTTP response with just a status, for injecting faults into the SDK pipeline. */
public final class StatusResponse extends HttpResponse {
  private final int status;

  public StatusResponse(HttpRequest request, int status) {
    super(request);
    this.status = status;
  }

  @Override
  public int getStatusCode() {
    return status;
  }

  @Override
  @Deprecated
  public String getHeaderValue(String name) {
    return null;
  }

  @Override
  public HttpHeaders getHeaders() {
    return new HttpHeaders();
  }

  @Override
  public Flux<ByteBuffer> getBody() {
    return Flux.empty();
  }

  @Override
  public Mono<byte[]> getBodyAsByteArray() {
    return Mono.just(new byte[0]);
  }

  @Override
  public Mono<String> getBodyAsString() {
    return Mono.just("");
  }

  @Override
  public Mono<String> getBodyAsString(Charset charset) {
    return Mono.just("");
  }
}
