import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { chunkingStrategy } from '../src/api/vector-stores.ts';
import { matchesFilter } from '../src/retrieval/attribute-filter.ts';
import { chunkText } from '../src/retrieval/chunk-text.ts';
import { extractText } from '../src/retrieval/extract-text.ts';
import { cosine, fuseRankings, RRF_K } from '../src/retrieval/fuse-rankings.ts';
import { queryTerms, rewriteQuery } from '../src/retrieval/query-terms.ts';

describe('chunking', () => {
  const text = Array.from({ length: 3000 }, (_, n) => `word${n}`).join(' ');

  test("auto is OpenAI's 800 tokens with 400 shared between neighbours", async () => {
    const chunks = await chunkText(text, chunkingStrategy({ type: 'auto' }));
    const sizes = chunks.map((chunk) => encode(chunk).length);
    assert.ok(
      sizes.every((size) => size <= 800 + 2),
      `sizes ${sizes.join(',')}`,
    );
    assert.ok(sizes.slice(0, -1).every((size) => size >= 795));
    const total = encode(text).length;
    assert.equal(chunks.length, Math.ceil((total - 800) / 400) + 1);
    const [first, second] = chunks;
    const overlap = first!.slice(first!.length - 200);
    assert.ok(second!.includes(overlap.trim().split(' ').slice(1, -1).join(' ')), 'neighbours share text');
  });

  test('static sizes are honoured; a short text is one chunk; blank text none', async () => {
    const chunks = await chunkText(
      text,
      chunkingStrategy({ type: 'static', static: { max_chunk_size_tokens: 100, chunk_overlap_tokens: 0 } }),
    );
    assert.equal(chunks.join(''), text, 'without overlap the chunks are the text');
    assert.deepEqual(await chunkText('Just a line.', chunkingStrategy(undefined)), ['Just a line.']);
    assert.deepEqual(await chunkText('  \n ', chunkingStrategy(undefined)), []);
  });
});

describe('text extraction', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);

  test('text, data and code formats are read as they are; HTML loses its markup, scripts and styles', async () => {
    for (const name of ['a.txt', 'b.md', 'c.json', 'd.csv', 'e.py', 'f.ts', 'Dockerfile'])
      assert.deepEqual(await extractText(name, bytes('x = 1')), { text: 'x = 1' });
    const html =
      '<html><style>b{}</style><script>alert(1)</script><h1>Title</h1><p>A &amp; B&#33;</p></html>';
    assert.deepEqual(await extractText('page.HTML', bytes(html)), { text: 'Title\nA & B!' });
  });

  test('HTML: tags, comments and hidden elements go, blocks break lines, entities and blanks are read as a browser would', async () => {
    const cases: Array<[string, string]> = [
      ['<p>a<br/>b</p><PRE>c</PRE>d', 'a\nb\nc\nd'],
      ['a < b and c > d', 'a d'],
      ['x <> y', 'x <> y'],
      ['1 < 2 and 3 < 4', '1 < 2 and 3 < 4'],
      ['<script>never()</script><p>unclosed <script>var a', 'unclosed var a'],
      ['<SCRIPT type="x">bad()</script >ok<style>p{}</STYLE>!', 'ok !'],
      ['<!-- a note -->text<!-- unclosed > tail', 'text tail'],
      ['&#x41;&#66;&lt;&unknown;&nbsp;x &amp;amp;', 'AB<&unknown; x &amp;'],
      ['a  \t b\r\n\n   c <b>bold</b>', 'a b\nc bold'],
      ['<scripts>kept</scripts>', 'kept'],
    ];
    for (const [html, text] of cases)
      assert.deepEqual(await extractText('page.html', bytes(html)), { text }, html);
  });

  test('HTML that never ends a comment, a tag or an element is read in one pass, as it reads in small', async () => {
    // Each of these made the regular expressions before the scanner look ahead to the end of the
    // page from every opening: 0.5-3.6 s for these ~300 KB.
    const cases: Array<[string, string]> = [
      ['<!-- x <script> a '.repeat(20_000), Array(20_000).fill('a').join(' ')],
      ['<!-- a < b '.repeat(20_000), '<!-- a < b '.repeat(20_000).trim()],
      ['<style>x '.repeat(20_000) + '<p>end', `${Array(20_000).fill('x').join(' ')}\nend`],
    ];
    for (const [html, text] of cases)
      assert.deepEqual(await extractText('page.html', bytes(html)), { text }, html.slice(0, 20));
  });

  test('formats Portico cannot read, invalid UTF-8 and binary data are refused with a reason', async () => {
    assert.equal(
      ((await extractText('scan.pdf', bytes('%PDF'))) as { error: { code: string } }).error.code,
      'unsupported_file',
    );
    assert.equal(
      ((await extractText('noext', bytes('x'))) as { error: { code: string } }).error.code,
      'unsupported_file',
    );
    assert.equal(
      ((await extractText('bad.txt', new Uint8Array([0xff, 0xfe, 0x41]))) as { error: { code: string } })
        .error.code,
      'invalid_file',
    );
    assert.equal(
      ((await extractText('nul.txt', bytes('a\u0000b'))) as { error: { code: string } }).error.code,
      'invalid_file',
    );
  });
});

describe('attribute filters', () => {
  const attributes = { colour: 'red', year: 2024, draft: false };

  test('comparisons, lists and compounds, as OpenAI defines them', () => {
    const cases: Array<[unknown, boolean]> = [
      [{ type: 'eq', key: 'colour', value: 'red' }, true],
      [{ type: 'ne', key: 'colour', value: 'red' }, false],
      [{ type: 'gt', key: 'year', value: 2023 }, true],
      [{ type: 'lte', key: 'year', value: 2023 }, false],
      [{ type: 'gte', key: 'colour', value: 'blue' }, true],
      [{ type: 'gt', key: 'year', value: '2023' }, false],
      [{ type: 'eq', key: 'draft', value: false }, true],
      [{ type: 'in', key: 'colour', value: ['red', 'green'] }, true],
      [{ type: 'nin', key: 'year', value: [2024] }, false],
      [{ type: 'eq', key: 'missing', value: 'x' }, false],
      [{ type: 'ne', key: 'missing', value: 'x' }, false],
      [
        {
          type: 'and',
          filters: [
            { type: 'eq', key: 'colour', value: 'red' },
            { type: 'lt', key: 'year', value: 2025 },
          ],
        },
        true,
      ],
      [
        {
          type: 'or',
          filters: [
            { type: 'eq', key: 'colour', value: 'blue' },
            { type: 'eq', key: 'draft', value: true },
          ],
        },
        false,
      ],
    ];
    for (const [filter, expected] of cases)
      assert.equal(matchesFilter(attributes, filter as never), expected, JSON.stringify(filter));
    assert.equal(matchesFilter(null, { type: 'eq', key: 'colour', value: 'red' }), false);
  });
});

describe('ranking', () => {
  test('reciprocal rank fusion: first in both lists scores 1, weights shift the order', () => {
    const text = new Map([
      [1, 1],
      [2, 2],
    ]);
    const embedding = new Map([
      [2, 1],
      [1, 2],
      [3, 3],
    ]);
    const even = fuseRankings(text, embedding, { text: 1, embedding: 1 });
    assert.equal(even.get(1), even.get(2));
    assert.ok(even.get(3)! < even.get(1)!);
    const onlyText = fuseRankings(new Map([[7, 1]]), undefined, { text: 1, embedding: 1 });
    assert.equal(onlyText.get(7), 1);
    const favourEmbedding = fuseRankings(text, embedding, { text: 1, embedding: 3 });
    assert.ok(favourEmbedding.get(2)! > favourEmbedding.get(1)!);
    const both = fuseRankings(new Map([[5, 1]]), new Map([[5, 1]]), { text: 1, embedding: 1 });
    assert.equal(both.get(5), 1);
    assert.equal(even.get(3), 1 / (RRF_K + 3) / (2 / (RRF_K + 1)));
  });

  test('cosine similarity', () => {
    assert.equal(cosine(new Float32Array([1, 0]), new Float32Array([2, 0])), 1);
    assert.equal(cosine(new Float32Array([1, 0]), new Float32Array([0, 3])), 0);
    assert.equal(cosine(new Float32Array([0, 0]), new Float32Array([1, 1])), 0);
  });

  test('query terms leave out stop words; rewrite_query keeps the words that matter', () => {
    assert.deepEqual(queryTerms(['What is the return policy?', 'return shoes']), [
      'return',
      'policy',
      'shoes',
    ]);
    assert.deepEqual(queryTerms(['what is it']), ['what', 'is', 'it'], 'only stop words: all kept');
    assert.equal(rewriteQuery('What is the return policy for shoes?'), 'return policy shoes');
    assert.equal(rewriteQuery('Ünïcode wörds, naïve café'), 'ünïcode wörds naïve café');
  });
});
