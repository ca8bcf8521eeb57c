/** Joins class names, skipping the empty ones: `cx("card", wide && "wide")`. */
export function cx(...names: (string | false | null | undefined)[]): string {
  return names.filter(Boolean).join(" ");
}
