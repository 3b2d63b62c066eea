import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SearchServer {
  /** The base URL to configure as `tools.web_search.url`. */
  url: string;
  /** The queries asked, in order. */
  queries: string[];
  close(): Promise<void>;
}

/**
 * A loopback search backend answering as SearXNG's JSON API does (`GET /search?q=...&format=json`,
 * a `results` list of `{url, title, content, engine}`; see docs.searxng.org, "Search API"): two
 * results for every query, one of them under example.org.
 */
export async function startSearchServer(): Promise<SearchServer> {
  const queries: string[] = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://search.test');
    if (url.pathname !== '/search' || url.searchParams.get('format') !== 'json') {
      response.writeHead(404).end();
      return;
    }
    const query = url.searchParams.get('q') ?? '';
    queries.push(query);
    const slug = encodeURIComponent(query.toLowerCase().replace(/\s+/g, '-'));
    const body = {
      query,
      number_of_results: 2,
      results: [
        {
          url: `https://docs.example.com/${slug}`,
          title: `${query}: the documentation`,
          content: `Everything about ${query}.`,
          engine: 'duckduckgo',
        },
        {
          url: `https://blog.example.org/${slug}`,
          title: `Notes on ${query}`,
          content: `A blog post on ${query}.`,
          engine: 'bing',
        },
      ],
      answers: [],
      suggestions: [],
    };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    queries,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
