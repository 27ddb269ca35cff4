/**
 * What the seed writes about: job categories with the skills and kinds of work that belong to
 * them, so that jobs, worker profiles and applications line up (a React job gets React workers),
 * which is what search and recommendations need to show something sensible.
 */

/** One category of work. */
export interface CategoryWork {
  /** The job service's category slug. */
  slug: string
  /** Skills of the category (lower case, as the services normalise them). */
  skills: readonly string[]
  /** Things a hirer asks for; a title is "<thing> <for whom>". */
  things: readonly string[]
  /** Job titles of workers in the category, for profile headlines. */
  roles: readonly string[]
}

/**
 * Categories used when the job service does not list its own (`GET /api/jobs/categories`); the
 * job service's catalogue is a superset.
 */
export const FALLBACK_CATEGORIES = [
  'web-development',
  'mobile-development',
  'design',
  'writing',
  'marketing',
  'data-science',
  'devops',
  'customer-support',
  'video-animation',
  'translation',
  'accounting',
  'legal',
] as const

/** Skills and work per category slug. */
export const WORK: Readonly<Record<string, CategoryWork>> = Object.fromEntries(
  (
    [
      {
        slug: 'web-development',
        skills: [
          'javascript',
          'typescript',
          'react',
          'vue',
          'node.js',
          'html',
          'css',
          'next.js',
          'django',
          'php',
          'wordpress',
          'graphql',
        ],
        things: [
          'Online shop',
          'Booking website',
          'Customer portal',
          'Landing page',
          'Admin dashboard',
          'Marketplace front end',
          'REST API',
        ],
        roles: ['Full-stack developer', 'Front-end engineer', 'Back-end developer', 'Web developer'],
      },
      {
        slug: 'mobile-development',
        skills: ['swift', 'kotlin', 'react native', 'flutter', 'dart', 'ios', 'android', 'firebase'],
        things: [
          'iOS app',
          'Android app',
          'Cross-platform app',
          'Delivery tracking app',
          'Fitness app',
          'Mobile wallet',
        ],
        roles: ['Mobile developer', 'iOS engineer', 'Android developer', 'Flutter developer'],
      },
      {
        slug: 'software-development',
        skills: ['python', 'java', 'c#', 'go', 'rust', 'c++', 'sql', 'testing'],
        things: [
          'Desktop tool',
          'Command-line tool',
          'Integration service',
          'Billing module',
          'Data importer',
        ],
        roles: ['Software engineer', 'Python developer', 'Java developer', 'Go developer'],
      },
      {
        slug: 'design',
        skills: [
          'figma',
          'ui design',
          'ux research',
          'illustrator',
          'photoshop',
          'branding',
          'logo design',
          'prototyping',
        ],
        things: [
          'Logo and brand kit',
          'App UI redesign',
          'Website mock-ups',
          'Pitch deck design',
          'Packaging design',
          'Design system',
        ],
        roles: ['Product designer', 'UI/UX designer', 'Brand designer', 'Graphic designer'],
      },
      {
        slug: 'writing',
        skills: [
          'copywriting',
          'technical writing',
          'blogging',
          'seo writing',
          'editing',
          'proofreading',
          'ghostwriting',
        ],
        things: [
          'Blog articles',
          'Product descriptions',
          'User manual',
          'Newsletter series',
          'Case studies',
          'Website copy',
        ],
        roles: ['Copywriter', 'Technical writer', 'Content writer', 'Editor'],
      },
      {
        slug: 'translation',
        skills: ['french', 'spanish', 'german', 'portuguese', 'arabic', 'twi', 'localization', 'subtitling'],
        things: [
          'Website translation',
          'Contract translation',
          'App localisation',
          'Subtitles',
          'Document translation',
        ],
        roles: ['Translator', 'Localisation specialist', 'Interpreter'],
      },
      {
        slug: 'marketing',
        skills: [
          'seo',
          'google ads',
          'social media',
          'email marketing',
          'content strategy',
          'facebook ads',
          'analytics',
        ],
        things: [
          'SEO audit',
          'Social media campaign',
          'Email funnel',
          'Ad campaign',
          'Launch plan',
          'Content calendar',
        ],
        roles: ['Growth marketer', 'SEO specialist', 'Social media manager', 'Performance marketer'],
      },
      {
        slug: 'data-science',
        skills: [
          'python',
          'pandas',
          'machine learning',
          'sql',
          'tableau',
          'power bi',
          'statistics',
          'pytorch',
        ],
        things: [
          'Sales dashboard',
          'Churn model',
          'Data pipeline',
          'Forecasting model',
          'Survey analysis',
          'Recommendation engine',
        ],
        roles: ['Data scientist', 'Data analyst', 'ML engineer', 'BI developer'],
      },
      {
        slug: 'devops',
        skills: ['kubernetes', 'docker', 'aws', 'terraform', 'ci/cd', 'linux', 'gcp', 'azure', 'monitoring'],
        things: [
          'Kubernetes migration',
          'CI/CD pipeline',
          'Cloud cost review',
          'Monitoring setup',
          'Terraform modules',
          'Backup strategy',
        ],
        roles: ['DevOps engineer', 'Site reliability engineer', 'Cloud architect', 'Platform engineer'],
      },
      {
        slug: 'it-networking',
        skills: ['networking', 'windows server', 'linux', 'firewalls', 'active directory', 'vpn'],
        things: ['Office network setup', 'VPN rollout', 'Server hardening', 'Wi-Fi survey'],
        roles: ['Network engineer', 'Systems administrator', 'IT support specialist'],
      },
      {
        slug: 'customer-support',
        skills: ['zendesk', 'live chat', 'email support', 'phone support', 'crm', 'intercom'],
        things: ['Support inbox cover', 'Help-centre articles', 'Live chat agent', 'Support process review'],
        roles: ['Customer support agent', 'Support lead', 'Customer success manager'],
      },
      {
        slug: 'admin-support',
        skills: ['data entry', 'excel', 'scheduling', 'research', 'virtual assistance', 'google workspace'],
        things: ['Virtual assistant', 'Data entry project', 'Market research', 'Calendar management'],
        roles: ['Virtual assistant', 'Executive assistant', 'Research assistant'],
      },
      {
        slug: 'video-animation',
        skills: [
          'premiere pro',
          'after effects',
          'motion graphics',
          'video editing',
          '3d animation',
          'blender',
        ],
        things: [
          'Explainer video',
          'Product animation',
          'YouTube edits',
          'Event highlight reel',
          'Logo animation',
        ],
        roles: ['Video editor', 'Motion designer', '3D animator'],
      },
      {
        slug: 'music-audio',
        skills: ['mixing', 'mastering', 'voice over', 'podcast editing', 'sound design'],
        things: ['Podcast editing', 'Voice-over recording', 'Jingle', 'Audio clean-up'],
        roles: ['Audio engineer', 'Voice actor', 'Composer'],
      },
      {
        slug: 'accounting',
        skills: ['bookkeeping', 'quickbooks', 'xero', 'tax preparation', 'financial modeling', 'payroll'],
        things: [
          'Monthly bookkeeping',
          'Tax return',
          'Financial model',
          'Payroll setup',
          'Audit preparation',
        ],
        roles: ['Accountant', 'Bookkeeper', 'Financial analyst'],
      },
      {
        slug: 'legal',
        skills: [
          'contract law',
          'gdpr',
          'intellectual property',
          'corporate law',
          'legal research',
          'compliance',
        ],
        things: [
          'Terms of service',
          'Privacy policy review',
          'Trademark filing',
          'NDA drafting',
          'Compliance review',
        ],
        roles: ['Lawyer', 'Paralegal', 'Compliance consultant'],
      },
      {
        slug: 'engineering',
        skills: ['autocad', 'solidworks', 'revit', 'structural analysis', 'pcb design'],
        things: ['Floor plan drawings', '3D part model', 'PCB layout', 'Structural review'],
        roles: ['Mechanical engineer', 'Architect', 'Electrical engineer'],
      },
      {
        slug: 'construction',
        skills: ['carpentry', 'plumbing', 'electrical wiring', 'masonry', 'painting', 'tiling'],
        things: ['Kitchen renovation', 'Bathroom tiling', 'House wiring', 'Roof repair', 'Shop fit-out'],
        roles: ['Carpenter', 'Plumber', 'Electrician', 'Mason'],
      },
    ] satisfies CategoryWork[]
  ).map((w) => [w.slug, w]),
)

/** The work of `slug`, or a generic one for a category this file does not know yet. */
export function workOf(slug: string): CategoryWork {
  return (
    WORK[slug] ?? {
      slug,
      skills: ['communication', 'project management', 'research', 'excel'],
      things: ['Project', 'Short engagement', 'Ongoing help'],
      roles: ['Freelancer', 'Consultant'],
    }
  )
}

/** Who a job is for, to vary titles. */
export const CLIENTS = [
  'for a small bakery',
  'for our start-up',
  'for a logistics company',
  'for a non-profit',
  'for a fintech',
  'for a clinic',
  'for an online school',
  'for a fashion brand',
  'for a travel agency',
  'for a real-estate agency',
  'for a farm co-operative',
  'for a law firm',
] as const

/** Countries of users (ISO 3166-1 alpha-2) with a few cities each and the usual currency. */
export const PLACES = [
  { country: 'GH', cities: ['Accra', 'Kumasi', 'Takoradi'], currency: 'GHS' },
  { country: 'NG', cities: ['Lagos', 'Abuja', 'Ibadan'], currency: 'NGN' },
  { country: 'KE', cities: ['Nairobi', 'Mombasa'], currency: 'KES' },
  { country: 'US', cities: ['New York', 'Austin', 'Seattle'], currency: 'USD' },
  { country: 'GB', cities: ['London', 'Manchester', 'Leeds'], currency: 'GBP' },
  { country: 'DE', cities: ['Berlin', 'Munich', 'Hamburg'], currency: 'EUR' },
  { country: 'FR', cities: ['Paris', 'Lyon'], currency: 'EUR' },
  { country: 'IN', cities: ['Bengaluru', 'Pune', 'Delhi'], currency: 'INR' },
  { country: 'BR', cities: ['São Paulo', 'Recife'], currency: 'BRL' },
  { country: 'PH', cities: ['Manila', 'Cebu'], currency: 'PHP' },
] as const
