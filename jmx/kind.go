package jmx

import "strings"

// Kind is the role of a test element in a JMeter plan.
type Kind int

// Element kinds, following JMeter's own classification.
const (
	KindOther Kind = iota
	KindTestPlan
	KindThreadGroup
	KindController
	KindSampler
	KindTimer
	KindPreProcessor
	KindPostProcessor
	KindAssertion
	KindConfig
	KindListener
	KindWorkBench
)

var kindNames = [...]string{"other", "test plan", "thread group", "controller", "sampler", "timer",
	"pre-processor", "post-processor", "assertion", "config element", "listener", "workbench"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "other"
}

// knownKinds classifies JMeter's own element aliases (testclass values from
// saveservice.properties) and common plugins.
var knownKinds = map[string]Kind{
	"TestPlan":  KindTestPlan,
	"WorkBench": KindWorkBench,

	"ThreadGroup": KindThreadGroup, "SetupThreadGroup": KindThreadGroup, "PostThreadGroup": KindThreadGroup,
	"OpenModelThreadGroup": KindThreadGroup,

	"LoopController": KindController, "WhileController": KindController, "IfController": KindController,
	"TransactionController": KindController, "OnceOnlyController": KindController, "RunTime": KindController,
	"GenericController": KindController, "ForeachController": KindController, "SwitchController": KindController,
	"InterleaveControl": KindController, "RandomController": KindController, "RandomOrderController": KindController,
	"ThroughputController": KindController, "ModuleController": KindController, "IncludeController": KindController,
	"CriticalSectionController": KindController, "TestFragmentController": KindController,
	"RecordingController": KindController, "RecordController": KindController,

	"HTTPSamplerProxy": KindSampler, "HTTPSampler": KindSampler, "HTTPSampler2": KindSampler,
	"TestAction": KindSampler, "DebugSampler": KindSampler, "JSR223Sampler": KindSampler,
	"BeanShellSampler": KindSampler, "BSFSampler": KindSampler, "JDBCSampler": KindSampler,
	"JavaSampler": KindSampler, "TCPSampler": KindSampler, "SoapSampler": KindSampler,
	"SystemSampler": KindSampler, "SmtpSampler": KindSampler, "FTPSampler": KindSampler,
	"JMSSampler": KindSampler, "PublisherSampler": KindSampler, "SubscriberSampler": KindSampler,
	"LDAPSampler": KindSampler, "LDAPExtSampler": KindSampler, "AccessLogSampler": KindSampler,
	"AjpSampler": KindSampler, "MailReaderSampler": KindSampler, "JUnitSampler": KindSampler,
	"WebServiceSampler": KindSampler, "MongoScriptSampler": KindSampler, "BoltSampler": KindSampler,

	"ConstantTimer": KindTimer, "UniformRandomTimer": KindTimer, "GaussianRandomTimer": KindTimer,
	"PoissonRandomTimer": KindTimer, "ConstantThroughputTimer": KindTimer, "PreciseThroughputTimer": KindTimer,
	"SyncTimer": KindTimer, "JSR223Timer": KindTimer, "BeanShellTimer": KindTimer, "BSFTimer": KindTimer,

	"JSR223PreProcessor": KindPreProcessor, "BeanShellPreProcessor": KindPreProcessor, "BSFPreProcessor": KindPreProcessor,
	"UserParameters": KindPreProcessor, "RegExUserParameters": KindPreProcessor, "AnchorModifier": KindPreProcessor,
	"URLRewritingModifier": KindPreProcessor, "UserParameterModifier": KindPreProcessor, "JDBCPreProcessor": KindPreProcessor,
	"SampleTimeout": KindPreProcessor, "ParamModifier": KindPreProcessor,

	"RegexExtractor": KindPostProcessor, "BoundaryExtractor": KindPostProcessor, "JSONPostProcessor": KindPostProcessor,
	"JSR223PostProcessor": KindPostProcessor, "BeanShellPostProcessor": KindPostProcessor, "BSFPostProcessor": KindPostProcessor,
	"XPathExtractor": KindPostProcessor, "XPath2Extractor": KindPostProcessor, "HtmlExtractor": KindPostProcessor,
	"JMESPathExtractor": KindPostProcessor, "DebugPostProcessor": KindPostProcessor, "JDBCPostProcessor": KindPostProcessor,
	"ResultAction": KindPostProcessor,

	"ResponseAssertion": KindAssertion, "DurationAssertion": KindAssertion, "SizeAssertion": KindAssertion,
	"JSR223Assertion": KindAssertion, "BeanShellAssertion": KindAssertion, "BSFAssertion": KindAssertion,
	"JSONPathAssertion": KindAssertion, "XPathAssertion": KindAssertion, "XPath2Assertion": KindAssertion,
	"XMLAssertion": KindAssertion, "XMLSchemaAssertion": KindAssertion, "HTMLAssertion": KindAssertion,
	"MD5HexAssertion": KindAssertion, "CompareAssertion": KindAssertion, "SMIMEAssertion": KindAssertion,
	"JMESPathAssertion": KindAssertion,

	"ConfigTestElement": KindConfig, "Arguments": KindConfig, "CSVDataSet": KindConfig, "HeaderManager": KindConfig,
	"CookieManager": KindConfig, "CacheManager": KindConfig, "AuthManager": KindConfig, "DNSCacheManager": KindConfig,
	"CounterConfig": KindConfig, "RandomVariableConfig": KindConfig, "KeystoreConfig": KindConfig,
	"LoginConfig": KindConfig, "JavaConfig": KindConfig, "JDBCDataSource": KindConfig, "MongoSourceElement": KindConfig,
	"BoltConnectionElement": KindConfig, "KeystoreConfigElement": KindConfig,

	"ResultCollector": KindListener, "BackendListener": KindListener, "Summariser": KindListener,
	"JSR223Listener": KindListener, "BeanShellListener": KindListener, "BSFListener": KindListener,
	"MailerResultCollector": KindListener, "ResultSaver": KindListener,
	"ProxyControl": KindOther, "HttpMirrorControl": KindOther,
}

// Kind classifies the element by its testclass. Plugin classes are
// classified by their class name (…ThreadGroup, …Sampler, …Timer,
// …Controller, …PreProcessor, …PostProcessor/…Extractor, …Assertion,
// …Listener/…Collector, …Config/…Manager/…DataSet).
func (e *Element) Kind() Kind { return KindOf(e.TestClass()) }

// KindOf classifies a testclass value.
func KindOf(testclass string) Kind {
	if k, ok := knownKinds[testclass]; ok {
		return k
	}
	short := testclass
	if i := strings.LastIndexByte(short, '.'); i >= 0 {
		short = short[i+1:]
	}
	if k, ok := knownKinds[short]; ok {
		return k
	}
	lc := strings.ToLower(testclass)
	switch {
	case strings.HasSuffix(short, "ThreadGroup") || strings.Contains(lc, ".threads."):
		return KindThreadGroup
	case strings.HasSuffix(short, "Sampler"):
		return KindSampler
	case strings.HasSuffix(short, "Timer") || strings.Contains(lc, ".timers."):
		return KindTimer
	case strings.HasSuffix(short, "PreProcessor") || strings.Contains(lc, ".modifiers."):
		return KindPreProcessor
	case strings.HasSuffix(short, "PostProcessor") || strings.HasSuffix(short, "Extractor") || strings.Contains(lc, ".extractor"):
		return KindPostProcessor
	case strings.HasSuffix(short, "Assertion") || strings.Contains(lc, ".assertions."):
		return KindAssertion
	case strings.HasSuffix(short, "Controller") || strings.HasSuffix(short, "Control") || strings.Contains(lc, ".control."):
		return KindController
	case strings.HasSuffix(short, "Listener") || strings.HasSuffix(short, "Collector") ||
		strings.Contains(lc, ".visualizers.") || strings.Contains(lc, ".listener") || strings.Contains(lc, ".reporters."):
		return KindListener
	case strings.HasSuffix(short, "Config") || strings.HasSuffix(short, "Manager") || strings.HasSuffix(short, "DataSet") ||
		strings.Contains(lc, ".config."):
		return KindConfig
	case strings.Contains(lc, ".sampler.") || strings.Contains(lc, ".samplers."):
		return KindSampler
	}
	return KindOther
}

// Samplers returns every sampler of the plan in document order.
func (p *Plan) Samplers() []*Element {
	return p.Find(func(e *Element) bool { return e.Kind() == KindSampler })
}

// Controllers returns every logic controller of the plan in document order.
func (p *Plan) Controllers() []*Element {
	return p.Find(func(e *Element) bool { return e.Kind() == KindController })
}

// Timers returns every timer of the plan in document order.
func (p *Plan) Timers() []*Element {
	return p.Find(func(e *Element) bool { return e.Kind() == KindTimer })
}

// IsHTTPSampler reports whether e is an HTTP Request sampler.
func (e *Element) IsHTTPSampler() bool {
	switch e.TestClass() {
	case "HTTPSamplerProxy", "HTTPSampler", "HTTPSampler2", "SoapSampler", "AjpSampler", "WebServiceSampler":
		return true
	}
	return strings.Contains(e.TestClass(), ".http.sampler.")
}

// InScope returns the elements of kind k whose scope covers e, outermost
// first, the way JMeter applies timers, pre/post-processors, assertions and
// config elements: the children of e itself when e is a sampler, and the
// children of every ancestor. Only active (enabled) elements are returned.
func (e *Element) InScope(k Kind) []*Element {
	var chain []*Element
	for x := e; x != nil; x = x.Parent {
		chain = append(chain, x)
	}
	var out []*Element
	for i := len(chain) - 1; i >= 0; i-- {
		x := chain[i]
		if i == 0 && x.Kind() != KindSampler {
			break // the children of a controller apply to its samplers, not to itself
		}
		if !x.Enabled() {
			return nil
		}
		for _, c := range x.Children() {
			if c.Kind() == k && c.Enabled() {
				out = append(out, c)
			}
		}
	}
	return out
}
