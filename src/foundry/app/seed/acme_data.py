"""The AcmeCorp demo organisation: one Magento to Salesforce B2B Commerce migration program.

Plain, typed data and nothing else: no database access and no side effects on import (the
registry and schema builders import every module under `foundry.app`). A seeding routine turns
these records into rows, resolving workstream short codes and requirement ref ids to document ids.
Keys are camelCase because they mirror the table fields they are written to.
"""

from __future__ import annotations

from typing import Final, Literal, TypedDict

# --- Value types -------------------------------------------------------------------------------

Platform = Literal["magento", "salesforce_b2b", "bigcommerce_b2b", "sitecore", "wordpress", "none"]
EngagementType = Literal["greenfield", "migration", "integration", "ongoing_product_dev"]
ProgramPhase = Literal["discovery", "build", "test", "deploy", "complete"]
ProgramStatus = Literal["active", "paused", "complete", "archived"]

WorkstreamCode = Literal["WS1", "WS2", "WS3", "WS4", "WS5", "WS6", "WS7"]
WorkstreamStatus = Literal["on_track", "at_risk", "blocked"]

Batch = Literal[
    "Foundation",
    "Catalog & Products",
    "Customer & Auth",
    "Pricing & Orders",
    "Integration",
    "Content & UX",
    "Testing & Launch",
]
Priority = Literal["must_have", "should_have", "nice_to_have", "deferred"]
FitGap = Literal["native", "config", "custom_dev", "third_party", "not_feasible"]
Effort = Literal["low", "medium", "high", "very_high"]
RequirementStatus = Literal["draft", "approved", "in_progress"]

Severity = Literal["critical", "high", "medium", "low"]
Probability = Literal["very_likely", "likely", "possible", "unlikely"]
RiskStatus = Literal["open", "mitigating"]

SprintStatus = Literal["planning", "active", "completed"]
StoryPoints = Literal[1, 2, 3, 5, 8]
TaskPriority = Literal["critical", "high", "medium", "low"]
TaskStatus = Literal["backlog", "todo", "in_progress", "review", "done"]
GateType = Literal["foundation", "development", "integration", "release"]


class TechStackEntry(TypedDict):
    category: str
    technologies: list[str]


class Program(TypedDict):
    name: str
    clientName: str
    slug: str
    description: str
    sourcePlatform: Platform
    targetPlatform: Platform
    engagementType: EngagementType
    techStack: list[TechStackEntry]
    phase: ProgramPhase
    status: ProgramStatus


class Workstream(TypedDict):
    shortCode: WorkstreamCode
    name: str
    description: str
    sortOrder: int
    sprintCadence: int
    currentSprint: int
    status: WorkstreamStatus


class Requirement(TypedDict):
    refId: str
    workstream: WorkstreamCode
    title: str
    description: str
    batch: Batch
    priority: Priority
    fitGap: FitGap
    effortEstimate: Effort
    status: RequirementStatus


class Risk(TypedDict):
    title: str
    description: str
    severity: Severity
    probability: Probability
    mitigation: str
    status: RiskStatus
    workstreams: list[WorkstreamCode]


class Sprint(TypedDict):
    workstream: WorkstreamCode
    name: str
    number: int
    goal: str
    status: SprintStatus
    capacity: int
    durationDays: int


class Task(TypedDict):
    title: str
    description: str
    acceptanceCriteria: list[str]
    storyPoints: StoryPoints
    priority: TaskPriority
    status: TaskStatus
    requirement: str
    workstream: WorkstreamCode
    inSprint: bool


class GateCriterion(TypedDict):
    title: str
    description: str


class Gate(TypedDict):
    name: str
    workstream: WorkstreamCode
    gateType: GateType
    criteria: list[GateCriterion]


class DemoLogin(TypedDict):
    email: str
    name: str
    password: str


# --- Organisation and login --------------------------------------------------------------------

ORG_NAME: Final = "AcmeCorp"

DEMO_LOGIN: Final[DemoLogin] = {
    "email": "demo@acmecorp.example",
    "name": "Demo User",
    "password": "demo-password-123",
}

# --- Program -----------------------------------------------------------------------------------

PROGRAM: Final[Program] = {
    "name": "AcmeCorp Migration",
    "clientName": "AcmeCorp",
    "slug": "acmecorp-migration",
    "description": (
        "Replatforming AcmeCorp's B2B e-commerce channel from Magento 2 Commerce to Salesforce "
        "B2B Commerce on an LWR Experience Cloud storefront. Scope is sized at roughly 880 "
        "dev-days across seven workstreams and covers about 9,000 buyer accounts with "
        "parent-child hierarchies, a catalog of 2,000 active SKUs, some 49,000 contract price-book "
        "combinations and 8 buyer personas, from purchasing agents to finance approvers. The "
        "new storefront must integrate with the SAP S/4HANA ERP, the Akeneo PIM and AvaTax, "
        "keep cXML/OCI punch-out working for procurement customers, and replace Magento with "
        "a single planned cutover."
    ),
    "sourcePlatform": "magento",
    "targetPlatform": "salesforce_b2b",
    "engagementType": "migration",
    "techStack": [
        {
            "category": "Commerce platform",
            "technologies": ["Salesforce B2B Commerce", "Experience Cloud (LWR)", "Salesforce CMS"],
        },
        {"category": "Legacy platform", "technologies": ["Magento 2 Commerce", "MySQL"]},
        {
            "category": "Frontend",
            "technologies": ["Lightning Web Components", "SLDS styling hooks"],
        },
        {"category": "Backend", "technologies": ["Apex", "Flow", "Platform Events"]},
        {
            "category": "Integration",
            "technologies": ["MuleSoft Anypoint Platform", "REST APIs", "SFTP batch feeds"],
        },
        {"category": "ERP", "technologies": ["SAP S/4HANA"]},
        {"category": "PIM", "technologies": ["Akeneo"]},
        {"category": "Tax and payments", "technologies": ["Avalara AvaTax", "Adyen"]},
        {"category": "Identity", "technologies": ["Okta (SAML 2.0)", "Salesforce Identity"]},
        {"category": "Procurement", "technologies": ["cXML punch-out", "SAP OCI punch-out"]},
        {
            "category": "DevOps and testing",
            "technologies": ["Salesforce CLI", "DevOps Center", "Provar", "Apache JMeter"],
        },
    ],
    "phase": "discovery",
    "status": "active",
}

# --- Workstreams -------------------------------------------------------------------------------

WORKSTREAMS: Final[tuple[Workstream, ...]] = (
    {
        "shortCode": "WS1",
        "name": "Storefront Foundation & Catalog",
        "description": (
            "Store and site setup, the product data model, catalog load, search and the "
            "storefront theme everything else is built on."
        ),
        "sortOrder": 1,
        "sprintCadence": 14,
        "currentSprint": 1,
        "status": "on_track",
    },
    {
        "shortCode": "WS2",
        "name": "Customer Accounts & Auth",
        "description": (
            "Buyer account hierarchies, the eight buyer personas and their permissions, "
            "registration, delegated administration and single sign-on."
        ),
        "sortOrder": 2,
        "sprintCadence": 14,
        "currentSprint": 1,
        "status": "on_track",
    },
    {
        "shortCode": "WS3",
        "name": "Pricing & Pricebooks",
        "description": (
            "Contract price books, tier pricing, promotions and ERP-calculated prices for the "
            "roughly 49,000 account and product price combinations."
        ),
        "sortOrder": 3,
        "sprintCadence": 14,
        "currentSprint": 1,
        "status": "on_track",
    },
    {
        "shortCode": "WS4",
        "name": "Order Management & Checkout",
        "description": (
            "Cart, checkout, payments, tax, quotes, reorder lists and punch-out ordering for "
            "procurement customers."
        ),
        "sortOrder": 4,
        "sprintCadence": 14,
        "currentSprint": 1,
        "status": "on_track",
    },
    {
        "shortCode": "WS5",
        "name": "Integration & Data Migration",
        "description": (
            "MuleSoft interfaces to the ERP, PIM and document archive, plus the migration of "
            "accounts, contacts, order history and saved lists out of Magento."
        ),
        "sortOrder": 5,
        "sprintCadence": 14,
        "currentSprint": 1,
        "status": "on_track",
    },
    {
        "shortCode": "WS6",
        "name": "Content & Experience",
        "description": (
            "CMS content, navigation, SEO continuity, transactional emails, accessibility and "
            "storefront performance."
        ),
        "sortOrder": 6,
        "sprintCadence": 14,
        "currentSprint": 1,
        "status": "on_track",
    },
    {
        "shortCode": "WS7",
        "name": "Testing & Deployment",
        "description": (
            "Integration, performance and user acceptance testing, data reconciliation, the "
            "cutover runbook and hypercare after go-live."
        ),
        "sortOrder": 7,
        "sprintCadence": 14,
        "currentSprint": 1,
        "status": "on_track",
    },
)

# --- Requirements ------------------------------------------------------------------------------


def _req(
    ref_id: str,
    workstream: WorkstreamCode,
    batch: Batch,
    priority: Priority,
    fit_gap: FitGap,
    effort: Effort,
    status: RequirementStatus,
    title: str,
    description: str,
) -> Requirement:
    """One requirement; positional so the table below stays one record per block."""
    return {
        "refId": ref_id,
        "workstream": workstream,
        "title": title,
        "description": description,
        "batch": batch,
        "priority": priority,
        "fitGap": fit_gap,
        "effortEstimate": effort,
        "status": status,
    }


REQUIREMENTS: Final[tuple[Requirement, ...]] = (
    # Foundation ---------------------------------------------------------------------------------
    _req(
        "REQ-001",
        "WS1",
        "Foundation",
        "must_have",
        "config",
        "medium",
        "in_progress",
        "Provision the B2B Commerce store on an LWR Experience Cloud site",
        "Create the B2B store and its LWR site in production and in every sandbox, with en_US "
        "as the default language and USD as the store currency. The store name and site URL "
        "prefix follow the naming agreed with AcmeCorp's digital team.",
    ),
    _req(
        "REQ-002",
        "WS1",
        "Foundation",
        "must_have",
        "config",
        "high",
        "in_progress",
        "Set up the sandbox landscape and source-driven release pipeline",
        "Provide dev, SIT, UAT and staging sandboxes connected by a DevOps Center pipeline so "
        "every change reaches production from version control. Manual changes in UAT or "
        "production are not allowed after the pipeline is live.",
    ),
    _req(
        "REQ-003",
        "WS1",
        "Foundation",
        "must_have",
        "native",
        "medium",
        "in_progress",
        "Define the product data model and custom product fields",
        "Map the Magento attribute sets onto Product2 standard fields plus custom fields for "
        "pack size, selling unit of measure, hazmat class and country of origin. Attributes "
        "with no storefront or ERP use are retired and listed in the mapping document.",
    ),
    _req(
        "REQ-004",
        "WS1",
        "Foundation",
        "must_have",
        "config",
        "medium",
        "in_progress",
        "Apply AcmeCorp branding to the storefront theme, header and footer",
        "Configure theme colours, typography, logo, header and footer on the LWR site using the "
        "brand guide supplied by AcmeCorp marketing. The layout must hold up from 360 px phones "
        "to wide desktop screens.",
    ),
    _req(
        "REQ-005",
        "WS1",
        "Foundation",
        "must_have",
        "native",
        "low",
        "in_progress",
        "Create baseline buyer groups and entitlement policies",
        "Set up a default buyer group and entitlement policy so the build catalog is browsable "
        "while account segmentation is still being designed. Later requirements split this "
        "into tier and region groups.",
    ),
    _req(
        "REQ-006",
        "WS1",
        "Foundation",
        "must_have",
        "native",
        "low",
        "in_progress",
        "Configure the storefront catalog and top-level category tree",
        "Create the storefront catalog with the first two category levels, about 40 categories "
        "in total, mirroring Magento's current main navigation.",
    ),
    _req(
        "REQ-007",
        "WS1",
        "Foundation",
        "deferred",
        "config",
        "medium",
        "draft",
        "Add a Canadian storefront with CAD pricing and French-Canadian locale",
        "AcmeCorp sells to a small number of Canadian distributors today through phone orders. "
        "A CAD currency and fr_CA locale would let them order online, but this is parked "
        "until after the US launch.",
    ),
    _req(
        "REQ-008",
        "WS1",
        "Foundation",
        "should_have",
        "third_party",
        "medium",
        "approved",
        "Instrument the storefront with Google Tag Manager and commerce events",
        "Load the existing GTM container on every page and push data-layer events for product "
        "views, add to cart, checkout steps and order placement. Marketing must be able to keep "
        "its current GA4 funnel reports without rebuilding them.",
    ),
    _req(
        "REQ-009",
        "WS1",
        "Foundation",
        "must_have",
        "native",
        "low",
        "approved",
        "Serve the storefront from a custom domain through the platform CDN",
        "Point order.acmecorp.example at the Experience Cloud CDN with a managed TLS "
        "certificate. Static assets and guest-visible pages are cached at the edge.",
    ),
    _req(
        "REQ-010",
        "WS2",
        "Foundation",
        "must_have",
        "native",
        "high",
        "approved",
        "Model buyer companies as business account hierarchies",
        "Represent each customer as a business account with parent-child links so a head office "
        "can see the orders of its branches. Magento company structures go up to four levels "
        "deep and all of them must be preserved.",
    ),
    _req(
        "REQ-011",
        "WS2",
        "Foundation",
        "must_have",
        "config",
        "high",
        "approved",
        "Define buyer profiles, permission sets and the external sharing model",
        "Create the buyer and buyer-manager profiles and the permission sets layered on top. "
        "Sharing rules must guarantee that no buyer can ever see another company's orders, "
        "quotes, invoices or addresses.",
    ),
    _req(
        "REQ-012",
        "WS2",
        "Foundation",
        "must_have",
        "third_party",
        "medium",
        "approved",
        "Enable Okta single sign-on for AcmeCorp sales and service staff",
        "Internal users log in to Salesforce through AcmeCorp's Okta tenant using SAML 2.0, "
        "with just-in-time provisioning for the sales and customer-service groups.",
    ),
    _req(
        "REQ-013",
        "WS2",
        "Foundation",
        "must_have",
        "config",
        "low",
        "approved",
        "Brand the buyer login page and apply the password and session policy",
        "The login page carries AcmeCorp branding and the policy signed off by AcmeCorp IT: "
        "12-character passwords, lockout after five failed attempts and a two-hour idle "
        "session timeout.",
    ),
    _req(
        "REQ-014",
        "WS2",
        "Foundation",
        "should_have",
        "native",
        "low",
        "approved",
        "Let one buyer contact work for several customer accounts",
        "Purchasing agents who buy for multiple subsidiaries are linked to each account once and "
        "switch the active account from the storefront header instead of keeping separate "
        "logins.",
    ),
    _req(
        "REQ-015",
        "WS2",
        "Foundation",
        "should_have",
        "config",
        "low",
        "approved",
        "Map the eight buyer personas to profiles and permission sets",
        "Document the eight buyer personas, from purchasing agent and approver to account admin "
        "and finance viewer, and assign each one a profile and permission-set group. The matrix "
        "is the reference for every access decision in later sprints.",
    ),
    _req(
        "REQ-016",
        "WS2",
        "Foundation",
        "should_have",
        "custom_dev",
        "very_high",
        "approved",
        "Enforce persona-based storefront capabilities in components",
        "Hide or disable checkout, approvals, invoice download and address management in the "
        "storefront according to the buyer's persona. Platform permissions alone do not cover "
        "these distinctions, so the checks live in custom components and Apex.",
    ),
    _req(
        "REQ-017",
        "WS2",
        "Foundation",
        "nice_to_have",
        "custom_dev",
        "very_high",
        "approved",
        "Allow guest catalog browsing with prices and cart hidden",
        "Unauthenticated visitors can browse categories and product pages, but prices, "
        "availability and add-to-cart appear only after login. This replaces the Magento "
        "'login to see price' extension.",
    ),
    # Catalog & Products -------------------------------------------------------------------------
    _req(
        "REQ-018",
        "WS1",
        "Catalog & Products",
        "must_have",
        "custom_dev",
        "high",
        "approved",
        "Build a repeatable catalog load for the 2,000 active SKUs",
        "Script the extract from Magento and the Bulk API load of all active SKUs with their "
        "attributes, category assignments and media references. The load must be re-runnable "
        "against any sandbox and finish in under an hour.",
    ),
    _req(
        "REQ-019",
        "WS1",
        "Catalog & Products",
        "must_have",
        "native",
        "high",
        "approved",
        "Convert Magento configurable products into variation products",
        "Roughly 180 configurable products become variation parents with size and finish as "
        "variation attributes. Each child SKU keeps its own price, stock and images.",
    ),
    _req(
        "REQ-020",
        "WS1",
        "Catalog & Products",
        "must_have",
        "config",
        "medium",
        "approved",
        "Move product images and spec sheets into Salesforce CMS",
        "Migrate about 6,500 product images and 900 PDF spec sheets into CMS workspaces and link "
        "them to products as primary image, gallery or attachment. Broken or duplicate files "
        "are reported back to the catalog team rather than loaded.",
    ),
    _req(
        "REQ-021",
        "WS1",
        "Catalog & Products",
        "must_have",
        "native",
        "medium",
        "approved",
        "Configure storefront search indexing, facets and synonyms",
        "Index product name, SKU, manufacturer part number and key attributes, with facets for "
        "brand, category and pack size. The 300 synonym rules curated in Magento are carried "
        "over.",
    ),
    _req(
        "REQ-022",
        "WS1",
        "Catalog & Products",
        "should_have",
        "custom_dev",
        "high",
        "approved",
        "Let buyers search by their own customer part numbers",
        "Many buyers search with their internal part codes. Store the cross-reference of about "
        "12,000 customer part numbers and make each value findable only by the account that "
        "owns it.",
    ),
    _req(
        "REQ-023",
        "WS1",
        "Catalog & Products",
        "should_have",
        "custom_dev",
        "very_high",
        "draft",
        "Show live warehouse availability on product pages and in the cart",
        "Call the ERP availability service when a product page or cart is viewed and show stock "
        "per warehouse. If the call takes longer than two seconds, fall back to the nightly "
        "stock figure with an 'as of' date.",
    ),
    _req(
        "REQ-024",
        "WS1",
        "Catalog & Products",
        "must_have",
        "config",
        "medium",
        "approved",
        "Enforce minimum order quantities and pack-size increments",
        "Products sold by the case or pallet must enforce minimum quantity and increment rules "
        "on the product page, in quick order and in the cart, with a clear message when a "
        "buyer enters an invalid quantity.",
    ),
    _req(
        "REQ-025",
        "WS1",
        "Catalog & Products",
        "nice_to_have",
        "config",
        "medium",
        "draft",
        "Show recently viewed products on the home and product pages",
        "Display the buyer's last ten viewed products as a carousel so they can return to items "
        "they were researching.",
    ),
    _req(
        "REQ-026",
        "WS1",
        "Catalog & Products",
        "should_have",
        "config",
        "low",
        "approved",
        "Lay out product pages with specification tables and downloads",
        "The product detail page shows a specification table built from product attributes and "
        "a downloads section for spec sheets and safety data sheets.",
    ),
    _req(
        "REQ-027",
        "WS1",
        "Catalog & Products",
        "should_have",
        "native",
        "low",
        "approved",
        "Carry over related, accessory and substitute product links",
        "Import Magento's related, up-sell and cross-sell links as product relationships. "
        "Substitutes are shown prominently when the viewed item is out of stock.",
    ),
    _req(
        "REQ-028",
        "WS1",
        "Catalog & Products",
        "should_have",
        "config",
        "low",
        "approved",
        "Handle discontinued SKUs with pointers to their replacements",
        "Discontinued products stay reachable for reorder history but cannot be added to cart, "
        "and their pages point to the replacement SKU where one exists.",
    ),
    _req(
        "REQ-029",
        "WS1",
        "Catalog & Products",
        "nice_to_have",
        "custom_dev",
        "very_high",
        "draft",
        "Sell kits assembled from several component SKUs",
        "About 40 kits are sold as one line but shipped as components. Kits would need custom "
        "pricing roll-up and component explosion when the order goes to the ERP.",
    ),
    _req(
        "REQ-030",
        "WS1",
        "Catalog & Products",
        "must_have",
        "native",
        "medium",
        "approved",
        "Restrict contract-only products to entitled buyer groups",
        "Around 300 SKUs are made for specific customers. Entitlement policies must keep them "
        "out of search, category pages and quick order for every other buyer.",
    ),
    _req(
        "REQ-031",
        "WS1",
        "Catalog & Products",
        "must_have",
        "native",
        "low",
        "approved",
        "Provide quick order entry by SKU and quantity",
        "Buyers who know what they want can type or paste SKU and quantity pairs and add up to "
        "50 lines to the cart in one step, with invalid SKUs flagged inline.",
    ),
    _req(
        "REQ-032",
        "WS1",
        "Catalog & Products",
        "deferred",
        "not_feasible",
        "very_high",
        "draft",
        "Keep the interactive 3D product viewer from Magento",
        "The Magento 3D viewer relies on a vendor plug-in that is no longer supported and has "
        "no LWR equivalent. Rebuilding it is out of scope for launch; static renders replace it.",
    ),
    _req(
        "REQ-033",
        "WS1",
        "Catalog & Products",
        "deferred",
        "third_party",
        "medium",
        "draft",
        "Offer product ratings and reviews",
        "Evaluate a hosted reviews service for the storefront. Magento collected fewer than 200 "
        "reviews in three years, so this waits for evidence of demand.",
    ),
    _req(
        "REQ-034",
        "WS1",
        "Catalog & Products",
        "nice_to_have",
        "third_party",
        "high",
        "draft",
        "Add items to the cart by scanning barcodes with a phone camera",
        "Warehouse buyers want to scan shelf labels to reorder. This needs a licensed browser "
        "scanning library embedded in a custom quick-order component.",
    ),
    # Customer & Auth ----------------------------------------------------------------------------
    _req(
        "REQ-035",
        "WS2",
        "Customer & Auth",
        "should_have",
        "config",
        "high",
        "approved",
        "Federate buyer login with the identity providers of large customers",
        "The 15 largest customers want their staff to log in with their own corporate identity "
        "provider over SAML. Each federation is configured and tested with the customer's IT "
        "team.",
    ),
    _req(
        "REQ-036",
        "WS2",
        "Customer & Auth",
        "must_have",
        "custom_dev",
        "high",
        "approved",
        "Support self-registration with a sales-ops approval step",
        "New businesses request access through a registration form. Sales operations approve "
        "the request, link it to an existing ERP customer or create a new account, and only then "
        "is the buyer user activated.",
    ),
    _req(
        "REQ-037",
        "WS2",
        "Customer & Auth",
        "must_have",
        "custom_dev",
        "very_high",
        "approved",
        "Let customer account admins manage their own buyer users",
        "Account admins can invite, deactivate and change the persona of users in their company "
        "and its child accounts without calling AcmeCorp support. Every change is logged for "
        "audit.",
    ),
    _req(
        "REQ-038",
        "WS2",
        "Customer & Auth",
        "must_have",
        "native",
        "medium",
        "approved",
        "Manage ship-to and bill-to addresses per account",
        "Buyers choose from the account's ship-to and bill-to addresses synced from the ERP. New "
        "addresses are requested by account admins and validated by sales operations before "
        "use.",
    ),
    _req(
        "REQ-039",
        "WS2",
        "Customer & Auth",
        "must_have",
        "native",
        "low",
        "approved",
        "Provide self-service password reset for buyers",
        "Buyers reset a forgotten password from the login page through an emailed link that "
        "expires after 24 hours.",
    ),
    _req(
        "REQ-040",
        "WS2",
        "Customer & Auth",
        "must_have",
        "custom_dev",
        "very_high",
        "draft",
        "Route orders above a buyer's spending limit for approval",
        "Each buyer can have a per-order spending limit. Orders above it go to an approver in "
        "the same account hierarchy and reach the ERP only once approved.",
    ),
    _req(
        "REQ-041",
        "WS2",
        "Customer & Auth",
        "should_have",
        "config",
        "medium",
        "draft",
        "Give buyers an account dashboard with orders, invoices and credit status",
        "The My Account area summarises open orders, recent invoices, available credit and "
        "payment terms for the active account.",
    ),
    _req(
        "REQ-042",
        "WS2",
        "Customer & Auth",
        "nice_to_have",
        "not_feasible",
        "very_high",
        "draft",
        "Keep buyers' existing Magento passwords after migration",
        "Salesforce cannot import Magento password hashes, so every buyer sets a new password "
        "from a welcome email at launch. The only workaround, a custom login handler checking a "
        "copy of the old hashes, was rejected by AcmeCorp security.",
    ),
    _req(
        "REQ-043",
        "WS2",
        "Customer & Auth",
        "must_have",
        "config",
        "medium",
        "approved",
        "Send branded activation emails to migrated buyers at go-live",
        "Each migrated buyer receives an activation email with a set-password link, sent in "
        "waves of about 1,000 to keep support call volume manageable.",
    ),
    _req(
        "REQ-044",
        "WS2",
        "Customer & Auth",
        "should_have",
        "native",
        "low",
        "approved",
        "Require multi-factor authentication for customer account admins",
        "Buyers with the account-admin persona must verify their identity with an "
        "authenticator app or email code at login.",
    ),
    _req(
        "REQ-045",
        "WS2",
        "Customer & Auth",
        "should_have",
        "config",
        "low",
        "draft",
        "Capture acceptance of the terms of sale at first login",
        "Buyers accept the current terms of sale before their first order, and accept again "
        "whenever legal publishes a new version. Acceptance date and version are stored on the "
        "contact.",
    ),
    _req(
        "REQ-046",
        "WS2",
        "Customer & Auth",
        "nice_to_have",
        "config",
        "low",
        "draft",
        "Let buyers choose which order notifications they receive",
        "Buyers can opt in or out of order confirmation, shipment and back-order emails from "
        "their profile.",
    ),
    _req(
        "REQ-047",
        "WS2",
        "Customer & Auth",
        "must_have",
        "native",
        "medium",
        "approved",
        "Segment the 9,000 buyer accounts by customer tier and region",
        "Assign every account to buyer groups for its tier (platinum, gold, standard) and sales "
        "region. These groups drive catalog entitlements and price-book assignment.",
    ),
    _req(
        "REQ-048",
        "WS2",
        "Customer & Auth",
        "should_have",
        "native",
        "high",
        "draft",
        "Let inside sales reps place orders on behalf of a buyer",
        "Reps take phone and email orders by acting for a buyer in the storefront, with the "
        "order recorded against the buyer and the rep stored as the originator.",
    ),
    _req(
        "REQ-049",
        "WS2",
        "Customer & Auth",
        "deferred",
        "third_party",
        "medium",
        "draft",
        "Offer passwordless login links for occasional buyers",
        "Small accounts that order a few times a year could log in with a one-time emailed link "
        "from an external identity service. Deferred until the standard login has settled.",
    ),
    _req(
        "REQ-050",
        "WS2",
        "Customer & Auth",
        "nice_to_have",
        "third_party",
        "high",
        "draft",
        "Verify new business registrations against a credit data provider",
        "Look up the applicant company in a business credit database during registration to "
        "pre-fill company details and flag high-risk applicants for manual review.",
    ),
    _req(
        "REQ-051",
        "WS2",
        "Customer & Auth",
        "deferred",
        "custom_dev",
        "very_high",
        "draft",
        "Sync buyer-edited company profile details back to the ERP",
        "Allowing account admins to edit company name, tax id and contacts would need a "
        "write-back interface and an approval process in the ERP. Deferred to a later phase.",
    ),
    # Pricing & Orders ---------------------------------------------------------------------------
    _req(
        "REQ-052",
        "WS3",
        "Pricing & Orders",
        "must_have",
        "custom_dev",
        "very_high",
        "draft",
        "Load contract pricing into account-specific price books",
        "Transform the roughly 49,000 account and product price combinations from Magento "
        "shared catalogs and ERP condition records into price books assigned through buyer "
        "groups. Start and end dates of each contract price must be preserved.",
    ),
    _req(
        "REQ-053",
        "WS3",
        "Pricing & Orders",
        "must_have",
        "native",
        "medium",
        "draft",
        "Apply quantity-based tier pricing",
        "About 600 SKUs have quantity breaks such as 1-9, 10-49 and 50 or more. Tiers are shown "
        "on the product page and applied automatically in the cart.",
    ),
    _req(
        "REQ-054",
        "WS3",
        "Pricing & Orders",
        "should_have",
        "config",
        "low",
        "draft",
        "Show list price next to the buyer's negotiated price",
        "Product pages and the cart display the list price struck through beside the contract "
        "price so buyers can see their saving.",
    ),
    _req(
        "REQ-055",
        "WS3",
        "Pricing & Orders",
        "should_have",
        "native",
        "medium",
        "draft",
        "Recreate active cart promotions and coupon codes",
        "Rebuild the 25 active Magento cart price rules as storefront promotions, with coupon "
        "codes for trade-show and seasonal campaigns.",
    ),
    _req(
        "REQ-056",
        "WS3",
        "Pricing & Orders",
        "deferred",
        "not_feasible",
        "very_high",
        "draft",
        "Replicate Magento's stacked customer-group discount logic",
        "Magento stacks up to four discount rules per customer group with a custom priority "
        "order that the target promotion engine cannot reproduce. Finance has agreed to "
        "simplify these discounts into contract prices instead.",
    ),
    _req(
        "REQ-057",
        "WS3",
        "Pricing & Orders",
        "should_have",
        "custom_dev",
        "high",
        "draft",
        "Price cut-to-length products through the ERP pricing service",
        "About 120 cut-to-length products are priced by the ERP from the requested length. The "
        "storefront calls the pricing service at add-to-cart and blocks checkout if no price "
        "comes back.",
    ),
    _req(
        "REQ-058",
        "WS3",
        "Pricing & Orders",
        "nice_to_have",
        "config",
        "medium",
        "draft",
        "Track price-book changes and schedule future-dated price updates",
        "Pricing analysts can see who changed a price and when, and can load price changes that "
        "take effect on a future date.",
    ),
    _req(
        "REQ-059",
        "WS4",
        "Pricing & Orders",
        "must_have",
        "custom_dev",
        "very_high",
        "draft",
        "Turn a cart into a quote request and check out at quoted prices",
        "Buyers submit a cart as a quote request, sales reps adjust prices in Salesforce and "
        "send the quote back, and the buyer can check out at the quoted prices for 30 days.",
    ),
    _req(
        "REQ-060",
        "WS4",
        "Pricing & Orders",
        "must_have",
        "config",
        "medium",
        "draft",
        "Check out on account with a purchase order number",
        "Most orders are paid on invoice terms. Checkout captures a mandatory PO number, the "
        "ship-to address, requested delivery date and order notes.",
    ),
    _req(
        "REQ-061",
        "WS4",
        "Pricing & Orders",
        "must_have",
        "custom_dev",
        "high",
        "draft",
        "Accept card payments through the existing payment gateway",
        "Around 15% of orders are paid by card. Build the payment adapter for the current "
        "gateway with tokenised cards, authorisation at checkout and capture on shipment.",
    ),
    _req(
        "REQ-062",
        "WS4",
        "Pricing & Orders",
        "must_have",
        "third_party",
        "high",
        "draft",
        "Calculate sales tax with AvaTax and honour exemption certificates",
        "Tax is calculated at checkout by AvaTax using the ship-to address and product tax "
        "codes. Tax-exempt accounts are recognised from their certificates on file.",
    ),
    _req(
        "REQ-063",
        "WS4",
        "Pricing & Orders",
        "must_have",
        "native",
        "medium",
        "draft",
        "Provide reorder lists and one-click reorder from order history",
        "Buyers keep named reorder lists, replacing Magento requisition lists, and can add any "
        "past order back to the cart in one step.",
    ),
    _req(
        "REQ-064",
        "WS4",
        "Pricing & Orders",
        "should_have",
        "custom_dev",
        "very_high",
        "draft",
        "Support cXML and OCI punch-out from customer procurement systems",
        "About 60 customers order from Ariba, Coupa or SAP SRM. Support punch-out login, cart "
        "return to the procurement system and receipt of the resulting purchase order.",
    ),
    _req(
        "REQ-065",
        "WS4",
        "Pricing & Orders",
        "should_have",
        "config",
        "low",
        "draft",
        "Show order history with status and carrier tracking links",
        "Buyers see every order for their account with its current status, and each shipment "
        "links to the carrier's tracking page.",
    ),
    _req(
        "REQ-066",
        "WS4",
        "Pricing & Orders",
        "nice_to_have",
        "custom_dev",
        "high",
        "draft",
        "Estimate freight charges at checkout from weight and ship-to zone",
        "Show an estimated freight charge before the order is placed, using AcmeCorp's carrier "
        "rate tables by shipment weight and destination zone.",
    ),
    _req(
        "REQ-067",
        "WS4",
        "Pricing & Orders",
        "deferred",
        "custom_dev",
        "very_high",
        "draft",
        "Schedule recurring orders on a fixed cadence",
        "Some buyers reorder consumables every month. Scheduled orders would need cadence "
        "management, price re-validation and failure handling, so they are deferred.",
    ),
    _req(
        "REQ-068",
        "WS4",
        "Pricing & Orders",
        "nice_to_have",
        "not_feasible",
        "high",
        "draft",
        "Let buyers amend orders after submission until picking starts",
        "Orders are released to the ERP immediately and the ERP exposes no amendment interface "
        "for the storefront. Buyers will continue to call customer service for changes.",
    ),
    # Integration --------------------------------------------------------------------------------
    _req(
        "REQ-069",
        "WS5",
        "Integration",
        "must_have",
        "custom_dev",
        "very_high",
        "draft",
        "Send submitted orders to SAP S/4HANA as sales orders",
        "Every submitted order reaches the ERP through MuleSoft within five minutes. Failed "
        "messages are retried and then parked on a monitored error queue.",
    ),
    _req(
        "REQ-070",
        "WS5",
        "Integration",
        "must_have",
        "custom_dev",
        "high",
        "draft",
        "Receive order status and shipment updates from the ERP",
        "Status changes, shipment confirmations and tracking numbers flow back from the ERP and "
        "update the order summary the buyer sees.",
    ),
    _req(
        "REQ-071",
        "WS5",
        "Integration",
        "must_have",
        "custom_dev",
        "high",
        "draft",
        "Sync customer accounts, addresses and credit status from the ERP",
        "The ERP stays the master for customers. New and changed accounts, ship-to addresses, "
        "payment terms and credit holds are synced to Salesforce every 15 minutes.",
    ),
    _req(
        "REQ-072",
        "WS5",
        "Integration",
        "should_have",
        "custom_dev",
        "medium",
        "draft",
        "Load nightly stock levels per warehouse",
        "A nightly file from the ERP updates on-hand quantities for each of the four "
        "warehouses. It is the fallback whenever the live availability call is slow.",
    ),
    _req(
        "REQ-073",
        "WS5",
        "Integration",
        "must_have",
        "third_party",
        "very_high",
        "draft",
        "Publish enriched product content from Akeneo to Salesforce",
        "Approved product descriptions, attributes and media flow from the Akeneo PIM into "
        "Salesforce through a connector, replacing manual entry in Magento.",
    ),
    _req(
        "REQ-074",
        "WS5",
        "Integration",
        "must_have",
        "custom_dev",
        "very_high",
        "draft",
        "Migrate the 9,000 buyer accounts and their contacts from Magento",
        "Extract companies, buyer users and their roles from Magento, match them to ERP "
        "customer numbers and load them as accounts, contacts and buyer users. Unmatched records "
        "go to a clean-up list for sales operations.",
    ),
    _req(
        "REQ-075",
        "WS5",
        "Integration",
        "should_have",
        "custom_dev",
        "very_high",
        "draft",
        "Migrate three years of order history for reorder and reporting",
        "Load about 310,000 historical orders with their lines so buyers can reorder and view "
        "past purchases from day one.",
    ),
    _req(
        "REQ-076",
        "WS5",
        "Integration",
        "must_have",
        "custom_dev",
        "very_high",
        "draft",
        "Keep contract prices in sync with ERP condition records",
        "New and changed contract prices in the ERP are pushed to the matching price book "
        "entries within an hour. A daily reconciliation flags any price that differs.",
    ),
    _req(
        "REQ-077",
        "WS5",
        "Integration",
        "should_have",
        "third_party",
        "high",
        "draft",
        "Retrieve invoice PDFs from the document archive on demand",
        "Buyers download invoice and credit-note PDFs held in the ERP's document archive, "
        "fetched through the archive vendor's API when requested.",
    ),
    _req(
        "REQ-078",
        "WS5",
        "Integration",
        "must_have",
        "config",
        "very_high",
        "draft",
        "Stand up the MuleSoft environments and API-led integration layer",
        "Provision development, test and production Anypoint environments with system, process "
        "and experience API layers. Deployment, secrets handling and logging follow AcmeCorp's "
        "integration standards.",
    ),
    _req(
        "REQ-079",
        "WS5",
        "Integration",
        "should_have",
        "config",
        "medium",
        "draft",
        "Monitor integration health and alert on failures",
        "Dashboards show message volumes, latency and errors per interface. The support team "
        "is alerted when an interface stops or its error rate passes an agreed threshold.",
    ),
    _req(
        "REQ-080",
        "WS5",
        "Integration",
        "should_have",
        "custom_dev",
        "high",
        "draft",
        "Migrate Magento requisition lists into reorder lists",
        "Move around 14,000 saved requisition lists into reorder lists owned by the same buyers, "
        "dropping lines for SKUs that no longer exist.",
    ),
    _req(
        "REQ-081",
        "WS5",
        "Integration",
        "nice_to_have",
        "config",
        "medium",
        "draft",
        "Raise service cases automatically for integration errors",
        "Errors that need a human, such as an order rejected by the ERP, open a case in the "
        "customer-service queue with the failing payload attached.",
    ),
    _req(
        "REQ-082",
        "WS5",
        "Integration",
        "nice_to_have",
        "third_party",
        "medium",
        "draft",
        "Sync tax exemption certificates between AvaTax and customer accounts",
        "Certificate status and expiry dates from AvaTax are shown on the account so sales "
        "operations can chase renewals before an exemption lapses.",
    ),
    _req(
        "REQ-083",
        "WS5",
        "Integration",
        "nice_to_have",
        "third_party",
        "high",
        "draft",
        "Share buyer and order data with the email marketing platform",
        "Send buyer contacts, consent flags and order summaries to the email marketing platform "
        "for segmented campaigns.",
    ),
    _req(
        "REQ-084",
        "WS5",
        "Integration",
        "deferred",
        "not_feasible",
        "very_high",
        "draft",
        "Migrate reward-point balances from the Magento loyalty extension",
        "The loyalty extension has no counterpart in the target platform. Finance will settle "
        "the outstanding balances as credit notes before cutover.",
    ),
    _req(
        "REQ-085",
        "WS5",
        "Integration",
        "deferred",
        "native",
        "low",
        "draft",
        "Surface storefront activity to account owners in Sales Cloud",
        "Because commerce and CRM share one org, account owners can see recent carts, quotes "
        "and orders on the account page. Deferred until the sales team finalises its layout.",
    ),
    # Content & UX -------------------------------------------------------------------------------
    _req(
        "REQ-086",
        "WS6",
        "Content & UX",
        "must_have",
        "config",
        "medium",
        "draft",
        "Migrate CMS pages and content blocks from Magento",
        "Rebuild about 140 content pages, such as shipping policy, returns and company "
        "information, and 60 reusable blocks in Salesforce CMS. Outdated pages are reviewed "
        "with marketing and retired rather than moved.",
    ),
    _req(
        "REQ-087",
        "WS6",
        "Content & UX",
        "should_have",
        "native",
        "medium",
        "draft",
        "Target home page banners by buyer group",
        "Home page banners and featured products vary by buyer group so that, for example, "
        "platinum accounts see their contract promotions first.",
    ),
    _req(
        "REQ-088",
        "WS6",
        "Content & UX",
        "must_have",
        "custom_dev",
        "high",
        "draft",
        "Meet WCAG 2.1 AA across all buyer journeys",
        "Every page and custom component passes WCAG 2.1 AA, including keyboard navigation, "
        "focus order, colour contrast and screen-reader labels.",
    ),
    _req(
        "REQ-089",
        "WS6",
        "Content & UX",
        "must_have",
        "custom_dev",
        "very_high",
        "draft",
        "Hit page-speed targets on category, product and cart pages",
        "Largest contentful paint stays under 2.5 seconds at the 75th percentile on category, "
        "product and cart pages for a buyer with entitlement filtering applied.",
    ),
    _req(
        "REQ-090",
        "WS6",
        "Content & UX",
        "should_have",
        "config",
        "medium",
        "draft",
        "Redirect legacy Magento URLs to their new storefront pages",
        "Map about 14,000 indexed Magento URLs to their new product, category and content pages "
        "with permanent redirects to protect search rankings.",
    ),
    _req(
        "REQ-091",
        "WS6",
        "Content & UX",
        "should_have",
        "native",
        "low",
        "draft",
        "Publish SEO metadata, an XML sitemap and product structured data",
        "Guest-visible pages carry title and description metadata, the site publishes an XML "
        "sitemap, and product pages include structured data.",
    ),
    _req(
        "REQ-092",
        "WS6",
        "Content & UX",
        "should_have",
        "config",
        "low",
        "draft",
        "Create category landing page templates",
        "Top-level categories get a landing page with a hero banner, subcategory tiles and "
        "merchandised products that marketing can edit without a release.",
    ),
    _req(
        "REQ-093",
        "WS6",
        "Content & UX",
        "should_have",
        "config",
        "low",
        "draft",
        "Build a mega-menu for the main category navigation",
        "The header navigation shows the first three category levels in a mega-menu that also "
        "works by keyboard and on touch screens.",
    ),
    _req(
        "REQ-094",
        "WS6",
        "Content & UX",
        "deferred",
        "config",
        "high",
        "draft",
        "Translate storefront content into Canadian French",
        "Translate labels, CMS pages and transactional emails for a future Canadian storefront. "
        "Deferred along with the Canadian store itself.",
    ),
    _req(
        "REQ-095",
        "WS6",
        "Content & UX",
        "nice_to_have",
        "native",
        "medium",
        "draft",
        "Host a resources hub of how-to guides and safety data sheets",
        "A searchable resources section groups installation guides, videos and safety data "
        "sheets by product family.",
    ),
    _req(
        "REQ-096",
        "WS6",
        "Content & UX",
        "nice_to_have",
        "third_party",
        "medium",
        "draft",
        "Offer live chat with customer service during business hours",
        "Logged-in buyers can chat with customer service from any page, and the agent sees the "
        "buyer's account and current cart.",
    ),
    _req(
        "REQ-097",
        "WS6",
        "Content & UX",
        "deferred",
        "not_feasible",
        "very_high",
        "draft",
        "Reproduce Magento Page Builder layouts exactly",
        "Page Builder content is stored as proprietary markup with no import path. Pages will be "
        "rebuilt with CMS components instead of converted one to one.",
    ),
    _req(
        "REQ-098",
        "WS6",
        "Content & UX",
        "should_have",
        "config",
        "low",
        "draft",
        "Brand the transactional email templates",
        "Order confirmation, shipment, quote and password emails use AcmeCorp branding and "
        "include the PO number and account name.",
    ),
    _req(
        "REQ-099",
        "WS6",
        "Content & UX",
        "nice_to_have",
        "third_party",
        "low",
        "draft",
        "Show a cookie consent banner managed by the consent platform",
        "Guest visitors see the consent banner from AcmeCorp's consent management platform, and "
        "analytics tags fire only after consent is given.",
    ),
    _req(
        "REQ-100",
        "WS6",
        "Content & UX",
        "nice_to_have",
        "native",
        "low",
        "draft",
        "Recommend products based on buying behaviour",
        "Show 'frequently bought together' and 'customers also bought' recommendations on "
        "product and cart pages using the platform's recommendation engine.",
    ),
    _req(
        "REQ-101",
        "WS6",
        "Content & UX",
        "deferred",
        "not_feasible",
        "high",
        "draft",
        "Give key customers their own co-branded storefront skin",
        "Two distributors asked for their logo and colours on the storefront. A single LWR site "
        "cannot switch themes per buyer, and running separate sites is not justified.",
    ),
    _req(
        "REQ-102",
        "WS6",
        "Content & UX",
        "nice_to_have",
        "custom_dev",
        "very_high",
        "draft",
        "Optimise quick order and cart layouts for warehouse tablets",
        "Warehouse staff order on tablets from the shop floor. They need a touch-friendly quick "
        "order grid with large targets and a cart that works in landscape.",
    ),
    # Testing & Launch ---------------------------------------------------------------------------
    _req(
        "REQ-103",
        "WS7",
        "Testing & Launch",
        "must_have",
        "custom_dev",
        "high",
        "draft",
        "Run system integration tests across ERP, PIM and tax interfaces",
        "Test every interface end to end in SIT with production-like data, including failure and "
        "retry cases. Each interface needs a signed-off test report before UAT starts.",
    ),
    _req(
        "REQ-104",
        "WS7",
        "Testing & Launch",
        "must_have",
        "third_party",
        "very_high",
        "draft",
        "Automate regression tests for the critical buyer journeys",
        "Automate login, search, quick order, quote, checkout and reorder journeys with the "
        "chosen UI test tool, run on every deployment to SIT and UAT.",
    ),
    _req(
        "REQ-105",
        "WS7",
        "Testing & Launch",
        "must_have",
        "custom_dev",
        "high",
        "draft",
        "Load test the storefront at three times peak order volume",
        "Simulate 400 concurrent buyers and 1,200 orders an hour against staging, covering "
        "search, cart and checkout. Response times must stay within the agreed targets.",
    ),
    _req(
        "REQ-106",
        "WS7",
        "Testing & Launch",
        "must_have",
        "config",
        "medium",
        "draft",
        "Run user acceptance testing with pilot customers for all eight personas",
        "Twenty pilot customers and AcmeCorp staff execute scripted and exploratory UAT "
        "covering all eight buyer personas. Go-live needs written sign-off from the business "
        "owner.",
    ),
    _req(
        "REQ-107",
        "WS7",
        "Testing & Launch",
        "must_have",
        "custom_dev",
        "high",
        "draft",
        "Reconcile migrated data against Magento and the ERP",
        "Automated checks compare record counts and sampled values for accounts, contacts, "
        "prices, orders and lists after each migration rehearsal. Differences above tolerance "
        "block cutover.",
    ),
    _req(
        "REQ-108",
        "WS7",
        "Testing & Launch",
        "must_have",
        "custom_dev",
        "very_high",
        "draft",
        "Prepare the cutover runbook and complete two full dress rehearsals",
        "Write a minute-by-minute runbook with owners, timings and rollback points, and rehearse "
        "the whole cutover twice in staging before the go-live weekend.",
    ),
    _req(
        "REQ-109",
        "WS7",
        "Testing & Launch",
        "should_have",
        "third_party",
        "medium",
        "draft",
        "Commission an external penetration test before go-live",
        "An independent firm tests the storefront, APIs and punch-out endpoints. High and "
        "critical findings are fixed and retested before launch.",
    ),
    _req(
        "REQ-110",
        "WS7",
        "Testing & Launch",
        "should_have",
        "native",
        "low",
        "draft",
        "Audit accessibility with automated scans and screen-reader checks",
        "Run automated accessibility scans on every page template and manual screen-reader "
        "checks on checkout and quick order.",
    ),
    _req(
        "REQ-111",
        "WS7",
        "Testing & Launch",
        "should_have",
        "native",
        "medium",
        "draft",
        "Staff a four-week hypercare period after go-live",
        "A combined delivery and support team monitors orders, integrations and buyer tickets "
        "daily for four weeks, with a triage call each morning.",
    ),
    _req(
        "REQ-112",
        "WS7",
        "Testing & Launch",
        "should_have",
        "config",
        "low",
        "draft",
        "Plan buyer communications and onboarding for the switchover",
        "Announce the new storefront to customers six weeks ahead, send reminders, and publish "
        "short how-to guides for login, quick order and reorder.",
    ),
    _req(
        "REQ-113",
        "WS7",
        "Testing & Launch",
        "nice_to_have",
        "native",
        "low",
        "draft",
        "Train sales operations and customer service on the new platform",
        "Run role-based training sessions and record them for new joiners, covering account "
        "approval, quotes and order-on-behalf.",
    ),
    _req(
        "REQ-114",
        "WS7",
        "Testing & Launch",
        "deferred",
        "not_feasible",
        "very_high",
        "draft",
        "Run Magento and Salesforce in parallel with shared order numbering",
        "Both platforms would have to draw order numbers from one sequence while live. The "
        "ERP cannot accept orders from two channels under one numbering scheme, so a parallel "
        "run is ruled out.",
    ),
    _req(
        "REQ-115",
        "WS7",
        "Testing & Launch",
        "deferred",
        "not_feasible",
        "very_high",
        "draft",
        "Cut over with zero storefront downtime",
        "Final delta migration of accounts, prices and open orders needs a read-only window of "
        "about six hours. A zero-downtime switch would require two-way sync that is not "
        "justified for one weekend.",
    ),
    _req(
        "REQ-116",
        "WS7",
        "Testing & Launch",
        "nice_to_have",
        "config",
        "medium",
        "draft",
        "Roll out to a pilot group of customers before everyone else",
        "Invite the pilot customers to the new storefront two weeks before general launch while "
        "everyone else stays on Magento.",
    ),
    _req(
        "REQ-117",
        "WS7",
        "Testing & Launch",
        "nice_to_have",
        "custom_dev",
        "medium",
        "draft",
        "Add visual regression checks for key storefront pages",
        "Compare screenshots of the home, category, product and cart pages on each deployment to "
        "catch unintended layout changes.",
    ),
    _req(
        "REQ-118",
        "WS7",
        "Testing & Launch",
        "deferred",
        "custom_dev",
        "high",
        "draft",
        "Decommission Magento and archive its data",
        "Once hypercare ends, export the Magento database and media to a read-only archive for "
        "seven years and shut down the hosting.",
    ),
)

# --- Risks -------------------------------------------------------------------------------------

RISKS: Final[tuple[Risk, ...]] = (
    {
        "title": "Contract price migration errors reach buyers",
        "description": (
            "The 49,000 price-book combinations come from two sources that disagree in places. "
            "A wrong contract price at launch would hit margin or customer trust immediately."
        ),
        "severity": "critical",
        "probability": "likely",
        "mitigation": (
            "Automated reconciliation against ERP condition records on every load, plus "
            "sign-off of the top 500 accounts' prices by the pricing team before cutover."
        ),
        "status": "mitigating",
        "workstreams": ["WS3", "WS5"],
    },
    {
        "title": "ERP team capacity for interface build and testing",
        "description": (
            "The SAP team is also running a finance upgrade this year. Order, customer and "
            "pricing interfaces need their time for design, build and SIT."
        ),
        "severity": "high",
        "probability": "likely",
        "mitigation": (
            "Agree named SAP resources and SIT windows in the program plan, and build against "
            "mocked system APIs so storefront work is not blocked."
        ),
        "status": "open",
        "workstreams": ["WS4", "WS5"],
    },
    {
        "title": "Punch-out customers must re-test with their procurement systems",
        "description": (
            "About 60 customers order by punch-out, and each one has to reconfigure and test the "
            "new endpoint on their side. Slow customers could lose their ordering channel."
        ),
        "severity": "high",
        "probability": "possible",
        "mitigation": (
            "Contact procurement teams during build, provide a test endpoint early and keep the "
            "Magento punch-out running for stragglers for two weeks."
        ),
        "status": "open",
        "workstreams": ["WS4", "WS7"],
    },
    {
        "title": "Forced password reset drives a spike in support calls",
        "description": (
            "Magento passwords cannot be migrated, so all buyers must set a new one at launch. "
            "Buyers who miss the email will call customer service or stop ordering online."
        ),
        "severity": "medium",
        "probability": "very_likely",
        "mitigation": (
            "Send activation emails in waves, pre-announce the change, and add temporary "
            "service staff and a help banner for the first two weeks."
        ),
        "status": "mitigating",
        "workstreams": ["WS2", "WS7"],
    },
    {
        "title": "Finance has not signed off the simplified discount model",
        "description": (
            "Stacked Magento discounts will be folded into contract prices. Without finance "
            "approval the pricing design for WS3 cannot be finalised."
        ),
        "severity": "high",
        "probability": "possible",
        "mitigation": (
            "Model the revenue impact per customer tier and take it to the finance steering "
            "meeting before the pricing batch starts."
        ),
        "status": "open",
        "workstreams": ["WS3"],
    },
    {
        "title": "Poor catalog data quality slows the product load",
        "description": (
            "Early profiling found missing attributes, duplicate images and inconsistent units "
            "of measure across the 2,000 SKUs."
        ),
        "severity": "medium",
        "probability": "likely",
        "mitigation": (
            "Run data-quality reports after every trial load and agree a clean-up owner in the "
            "catalog team, with Akeneo as the single source for enriched content."
        ),
        "status": "mitigating",
        "workstreams": ["WS1", "WS5"],
    },
    {
        "title": "Search and category pages slow down with entitlement filtering",
        "description": (
            "Contract-only products and many buyer groups add filtering to every search. Page "
            "speed targets may be missed for large accounts."
        ),
        "severity": "medium",
        "probability": "possible",
        "mitigation": (
            "Load test with realistic entitlement data early in build and keep the number of "
            "buyer groups per account small."
        ),
        "status": "open",
        "workstreams": ["WS1", "WS6"],
    },
    {
        "title": "Go-live slips into the Q4 peak ordering season",
        "description": (
            "A late launch would put cutover in October or November, when order volumes are "
            "highest and a freeze on system changes applies."
        ),
        "severity": "critical",
        "probability": "unlikely",
        "mitigation": (
            "Fix a go/no-go date in early September and agree that a missed date moves launch to "
            "January rather than into the peak."
        ),
        "status": "open",
        "workstreams": ["WS7"],
    },
)

# --- Sprint, tasks and gate for WS1 ------------------------------------------------------------

SPRINT: Final[Sprint] = {
    "workstream": "WS1",
    "name": "Sprint 1",
    "number": 1,
    "goal": (
        "Stand up the store, site and release pipeline, agree the product data model and have "
        "a branded storefront showing the category tree with a sample catalog."
    ),
    "status": "active",
    "capacity": 40,
    "durationDays": 14,
}

TASKS: Final[tuple[Task, ...]] = (
    {
        "title": "Create the B2B store and LWR site in the build sandbox",
        "description": "Run store setup on the LWR template and set language and currency.",
        "acceptanceCriteria": [
            "Store and site exist in the build sandbox with en_US and USD",
            "A test buyer can log in and reach the home page",
        ],
        "storyPoints": 3,
        "priority": "critical",
        "status": "done",
        "requirement": "REQ-001",
        "workstream": "WS1",
        "inSprint": True,
    },
    {
        "title": "Configure the DevOps Center pipeline from dev to SIT",
        "description": "Connect the Git repository and create pipeline stages for dev and SIT.",
        "acceptanceCriteria": [
            "A metadata change merged to main is promoted to SIT through the pipeline",
            "Direct changes in SIT are reported as drift",
            "The release steps are written up in the team wiki",
        ],
        "storyPoints": 5,
        "priority": "high",
        "status": "in_progress",
        "requirement": "REQ-002",
        "workstream": "WS1",
        "inSprint": True,
    },
    {
        "title": "Document the Magento-to-Product2 attribute mapping",
        "description": "List every Magento attribute with its target field, or mark it retired.",
        "acceptanceCriteria": [
            "Every attribute in the active attribute sets has a target or a retirement reason",
            "The catalog manager has reviewed and approved the mapping",
        ],
        "storyPoints": 2,
        "priority": "high",
        "status": "done",
        "requirement": "REQ-003",
        "workstream": "WS1",
        "inSprint": True,
    },
    {
        "title": "Add custom product fields for pack size, unit of measure and hazmat class",
        "description": "Create the custom fields agreed in the mapping, with help text.",
        "acceptanceCriteria": [
            "Fields exist on Product2 with the agreed types and picklist values",
            "Fields are deployed through the pipeline, not created by hand",
        ],
        "storyPoints": 3,
        "priority": "high",
        "status": "review",
        "requirement": "REQ-003",
        "workstream": "WS1",
        "inSprint": True,
    },
    {
        "title": "Build the branded header, footer and theme settings",
        "description": "Apply brand colours, fonts and logo and build the header and footer.",
        "acceptanceCriteria": [
            "Header and footer match the approved design at phone, tablet and desktop widths",
            "Colour contrast of text and controls meets WCAG 2.1 AA",
            "Marketing has signed off a screenshot review",
        ],
        "storyPoints": 5,
        "priority": "medium",
        "status": "in_progress",
        "requirement": "REQ-004",
        "workstream": "WS1",
        "inSprint": True,
    },
    {
        "title": "Create the default buyer group and entitlement policy",
        "description": "Give every test account access to the whole build catalog for now.",
        "acceptanceCriteria": [
            "Test buyers see all sample products in search and on category pages",
            "The policy is documented as temporary until segmentation lands",
        ],
        "storyPoints": 2,
        "priority": "high",
        "status": "review",
        "requirement": "REQ-005",
        "workstream": "WS1",
        "inSprint": True,
    },
    {
        "title": "Load the first two levels of the category tree",
        "description": "Create the roughly 40 top categories from the Magento navigation export.",
        "acceptanceCriteria": [
            "Category names and order match the Magento main navigation",
            "Each category has a URL slug that follows the agreed pattern",
        ],
        "storyPoints": 3,
        "priority": "medium",
        "status": "todo",
        "requirement": "REQ-006",
        "workstream": "WS1",
        "inSprint": True,
    },
    {
        "title": "Load a 200-SKU sample catalog into the build sandbox",
        "description": "Pick a representative slice of products and load them with images.",
        "acceptanceCriteria": [
            "The sample includes simple, variation and contract-only products",
            "Every sample product appears in at least one category",
            "The load script runs again without creating duplicates",
        ],
        "storyPoints": 5,
        "priority": "medium",
        "status": "todo",
        "requirement": "REQ-018",
        "workstream": "WS1",
        "inSprint": True,
    },
    {
        "title": "First pass at search indexing and facets",
        "description": "Index the sample catalog and add brand, category and pack-size facets.",
        "acceptanceCriteria": [
            "Searching by SKU or manufacturer part number returns the exact product first",
            "Brand, category and pack-size facets narrow the results correctly",
        ],
        "storyPoints": 5,
        "priority": "medium",
        "status": "todo",
        "requirement": "REQ-021",
        "workstream": "WS1",
        "inSprint": True,
    },
    {
        "title": "Point the custom domain at the UAT storefront",
        "description": "Set up the domain, certificate and CDN caching rules for UAT.",
        "acceptanceCriteria": [
            "The UAT storefront is served over HTTPS on the custom subdomain",
            "Static assets are returned with cache headers",
        ],
        "storyPoints": 3,
        "priority": "low",
        "status": "backlog",
        "requirement": "REQ-009",
        "workstream": "WS1",
        "inSprint": False,
    },
    {
        "title": "Spike: model configurable products as variations",
        "description": "Try three real configurable products as variation parents and report.",
        "acceptanceCriteria": [
            "Three configurable products are loaded with their children as variations",
            "Findings on attribute limits and image handling are written up",
        ],
        "storyPoints": 8,
        "priority": "medium",
        "status": "backlog",
        "requirement": "REQ-019",
        "workstream": "WS1",
        "inSprint": False,
    },
    {
        "title": "Add the GTM container and commerce data-layer events",
        "description": "Load the existing GTM container and push view and add-to-cart events.",
        "acceptanceCriteria": [
            "GTM preview mode shows the container on every storefront page",
            "Product view and add-to-cart events carry SKU, price and quantity",
            "Marketing confirms the events arrive in the GA4 test property",
        ],
        "storyPoints": 5,
        "priority": "low",
        "status": "backlog",
        "requirement": "REQ-008",
        "workstream": "WS1",
        "inSprint": False,
    },
)

GATE: Final[Gate] = {
    "name": "Foundation Gate",
    "workstream": "WS1",
    "gateType": "foundation",
    "criteria": [
        {
            "title": "Environments and pipeline in place",
            "description": (
                "All four sandboxes exist and a change has been promoted from dev to UAT through "
                "the pipeline without manual steps."
            ),
        },
        {
            "title": "Product data model approved",
            "description": (
                "The attribute mapping and custom product fields are signed off by AcmeCorp's "
                "catalog manager."
            ),
        },
        {
            "title": "Catalog skeleton browsable",
            "description": (
                "The category tree and sample catalog load repeatably and a test buyer can "
                "browse, search and open product pages."
            ),
        },
        {
            "title": "Storefront branding signed off",
            "description": (
                "Marketing has approved the theme, header and footer at phone, tablet and desktop "
                "widths."
            ),
        },
        {
            "title": "Access baseline agreed",
            "description": (
                "Buyer groups, entitlement policies and the buyer persona matrix are documented "
                "and reviewed with WS2."
            ),
        },
    ],
}
