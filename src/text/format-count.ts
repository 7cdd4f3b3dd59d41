/** "20,794": figures a person reads at a glance (the same on every machine, whatever its locale). */
export function formatCount(value: number): string {
  return Math.round(value)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
