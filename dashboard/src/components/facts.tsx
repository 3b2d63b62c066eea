/** Named facts about one object, as a definition list laid out in columns. */
export function Facts({ facts }: { facts: ReadonlyArray<readonly [string, string]> }) {
  return (
    <dl class="facts">
      {facts.map(([name, value]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
