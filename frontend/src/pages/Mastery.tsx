import { endpoints } from "../api/endpoints";
import { ErrorText, useLoad } from "../ui/common";
import { MasteryChart } from "../ui/mastery";

export function Mastery({ folderId }: { folderId: number }) {
  const [items, error] = useLoad(() => endpoints.mastery(folderId), [folderId]);
  return (
    <div>
      <ErrorText text={error} />
      {items && !items.length && <p class="muted">No answers yet: take a lesson or a quiz and your mastery of each concept shows here.</p>}
      {items && items.length > 0 && <MasteryChart items={items} />}
    </div>
  );
}
