/** The Foxden mark: a fox head in a rounded square; drawn in SVG so it needs no emoji font. */
export function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false" className="logo">
      <rect width="32" height="32" rx="8" className="logo-bg" />
      <path d="M6 7 L12 12 L20 12 L26 7 L25 17 Q16 28 7 17 Z" className="logo-fox" />
      <path d="M11 18 Q16 23 21 18 Q16 26 11 18 Z" className="logo-cheeks" />
      <circle cx="12.5" cy="15.5" r="1.3" className="logo-eye" />
      <circle cx="19.5" cy="15.5" r="1.3" className="logo-eye" />
    </svg>
  );
}
