/**
 * The fixed catalogue of job categories (slugs are stored on jobs; labels are for clients).
 * Adding a category is a code change on purpose: search filters and recommendations rely on a
 * closed set.
 */

/** One category: its slug and a human label. */
export interface Category {
  slug: string
  label: string
}

/** Every category, in display order. */
export const CATEGORIES: readonly Category[] = [
  { slug: 'web-development', label: 'Web development' },
  { slug: 'mobile-development', label: 'Mobile development' },
  { slug: 'software-development', label: 'Software development' },
  { slug: 'design', label: 'Design & creative' },
  { slug: 'writing', label: 'Writing' },
  { slug: 'translation', label: 'Translation' },
  { slug: 'marketing', label: 'Sales & marketing' },
  { slug: 'data-science', label: 'Data science & analytics' },
  { slug: 'devops', label: 'DevOps & cloud' },
  { slug: 'it-networking', label: 'IT & networking' },
  { slug: 'customer-support', label: 'Customer support' },
  { slug: 'admin-support', label: 'Admin support' },
  { slug: 'video-animation', label: 'Video & animation' },
  { slug: 'music-audio', label: 'Music & audio' },
  { slug: 'accounting', label: 'Accounting & finance' },
  { slug: 'legal', label: 'Legal' },
  { slug: 'engineering', label: 'Engineering & architecture' },
  { slug: 'construction', label: 'Construction & trades' },
]

const SLUGS = new Set(CATEGORIES.map((c) => c.slug))

/** True when `slug` names a catalogue category. */
export function isCategory(slug: string): boolean {
  return SLUGS.has(slug)
}
