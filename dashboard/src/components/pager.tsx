/** A page of a list as the API answers it: whether more follow, and the cursor for them. */
interface PageEnd {
  has_more?: boolean;
  last_id?: string | null;
}

/**
 * Paging by cursor (`after`): `cursors` holds the cursor of each page before this one (empty on
 * the first), so Newer goes back one page and Newest to the first.
 */
export function Pager(props: {
  cursors: string[];
  onChange: (cursors: string[]) => void;
  page: PageEnd | undefined;
  label: string;
}) {
  const { cursors, onChange, page } = props;
  const first = cursors.length === 0;
  return (
    <nav class="pager" aria-label={props.label}>
      <button type="button" disabled={first} onClick={() => onChange([])}>
        Newest
      </button>
      <button type="button" disabled={first} onClick={() => onChange(cursors.slice(0, -1))}>
        Newer
      </button>
      <button
        type="button"
        disabled={!page?.has_more}
        onClick={() => page?.last_id && onChange([...cursors, page.last_id])}
      >
        Older
      </button>
    </nav>
  );
}
